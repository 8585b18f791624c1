module healthcms

go 1.26.8

require (
	github.com/google/uuid v1.6.0
	github.com/microcosm-cc/bluemonday v1.0.27
	golang.org/x/net v0.62.0
	golang.org/x/text v0.44.0
)

require (
	github.com/aymerick/douceur v0.2.0 // indirect
	github.com/gorilla/css v1.0.1 // indirect
)
