package cms

import "testing"

func TestReferenceURL(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"https://pubmed.ncbi.nlm.nih.gov/12345/", "https://pubmed.ncbi.nlm.nih.gov/12345/"},
		{"HTTPS://Example.ORG/Path?Q=1#Frag", "https://example.org/Path?Q=1#Frag"},
		{`https://example.org/a b"c<d>e`, "https://example.org/a%20b%22c%3Cd%3Ee"},
		{`https://example.org/x?q="><script>alert(1)</script>&a=b c`, "https://example.org/x?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E&a=b%20c"},
		{`https://example.org/#"onmouseover="x`, "https://example.org/#%22onmouseover=%22x"},
		{"https://example.org/50%/%41%zz", "https://example.org/50%25/%41%25zz"},
		{"https://example.org/médicament?q=élément", "https://example.org/m%C3%A9dicament?q=%C3%A9l%C3%A9ment"},
		{"https://bücher.example:8443/x", "https://xn--bcher-kva.example:8443/x"},
		{`https://example.org/a\b{c}|^` + "`", "https://example.org/a%5Cb%7Bc%7D%7C%5E%60"},
		{"http://example.org", "http://example.org"},
		{"https://[2001:db8::1]:8080/x", "https://[2001:db8::1]:8080/x"},
	} {
		got, ok := referenceURL(tt.in)
		if !ok || got != tt.want {
			t.Errorf("referenceURL(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
	for _, in := range []string{
		"", "example.org/x", "//example.org/x", "/relative", "javascript:alert(1)", "data:text/html,<p>",
		"ftp://example.org/x", "https://", "https:///path", "https://nih.gov@example.com/", "https://user:pw@example.org/",
		"https://exa mple.org/", `https://example.org"/x`, "https://example.org\\@evil.example/", "http:example.org",
		"https://example.org/\x00", "https://example.org/\x7f", "https://example.org/\xff",
	} {
		if got, ok := referenceURL(in); ok {
			t.Errorf("referenceURL(%q) = %q, accepted", in, got)
		}
	}
}
