module healthcms

go 1.26.8
