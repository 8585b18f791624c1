package cms

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits on draft content. The body limit is on the sanitized HTML; the
// request body cap (2 MiB by default) bounds the raw input.
const (
	MaxTitleLen    = 200
	MaxSummaryLen  = 1000
	MaxBodyBytes   = 1 << 20
	MaxTopics      = 20
	MaxReferences  = 300
	MaxRefTitleLen = 500
	MaxRefURLLen   = 2000
)

// DraftInput is the content a writer saves. Slug is nil when omitted.
type DraftInput struct {
	Title      string      `json:"title"`
	Slug       *string     `json:"slug"`
	Summary    string      `json:"summary"`
	BodyHTML   string      `json:"body_html"`
	Topics     []string    `json:"topics"`
	References []Reference `json:"references"`
}

var (
	doiPattern  = regexp.MustCompile(`^10\.[0-9]{4,9}/[^\s]{1,200}$`)
	pmidPattern = regexp.MustCompile(`^[1-9][0-9]{0,8}$`)
)

// content validates the input and returns the revision content it
// describes, its body sanitized, and what sanitizing removed. Topic
// existence is checked by the caller, which has the store.
func (in *DraftInput) content() (*Revision, SanitizeReport, error) {
	var v Validation
	r := &Revision{Title: strings.TrimSpace(in.Title), Summary: strings.TrimSpace(in.Summary)}
	checkLine(&v, "title", r.Title, 1, MaxTitleLen)
	if strings.ContainsAny(r.Title, "<>") {
		// Titles are plain text everywhere (JSON-LD, feeds, <title>);
		// markup here is a paste gone wrong, so say so rather than store it.
		v.Add("title", "must be plain text without < or >")
	}
	checkText(&v, "summary", r.Summary, MaxSummaryLen)
	body, report := SanitizeHTML(in.BodyHTML)
	switch {
	case !utf8.ValidString(in.BodyHTML):
		v.Add("body_html", "must be valid UTF-8")
	case len(body) > MaxBodyBytes:
		v.Add("body_html", "must be at most 1 MiB after sanitizing")
	}
	r.BodyHTML = body
	r.Topics = checkTopicSlugs(&v, in.Topics)
	r.References = checkReferences(&v, in.References)
	if in.Slug != nil {
		checkSlug(&v, "slug", *in.Slug)
	}
	if err := v.Err(); err != nil {
		return nil, report, err
	}
	r.ContentHash = ContentHash(r)
	return r, report, nil
}

// checkText validates multi-line plain text.
func checkText(v *Validation, field, s string, max int) {
	switch {
	case !utf8.ValidString(s):
		v.Add(field, "must be valid UTF-8")
	case hasControl(s, true):
		v.Add(field, "must not contain control characters")
	case utf8.RuneCountInString(s) > max:
		v.Add(field, "must be at most "+strconv.Itoa(max)+" characters")
	}
}

func checkTopicSlugs(v *Validation, in []string) []string {
	out := make([]string, 0, len(in))
	if len(in) > MaxTopics {
		v.Add("topics", "must be at most 20")
		return out
	}
	for _, s := range in {
		if !ValidSlug(s) {
			v.Add("topics", "must each be a topic slug")
			return out
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func checkReferences(v *Validation, in []Reference) []Reference {
	out := make([]Reference, 0, len(in))
	if len(in) > MaxReferences {
		v.Add("references", "must be at most 300")
		return out
	}
	for i, r := range in {
		f := "references[" + strconv.Itoa(i) + "]."
		r = Reference{Title: strings.TrimSpace(r.Title), URL: strings.TrimSpace(r.URL),
			DOI: strings.TrimSpace(r.DOI), PMID: strings.TrimSpace(r.PMID)}
		checkLine(v, f+"title", r.Title, 1, MaxRefTitleLen)
		if u, err := url.Parse(r.URL); r.URL == "" || len(r.URL) > MaxRefURLLen || err != nil ||
			(u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || hasControl(r.URL, false) {
			v.Add(f+"url", "must be an absolute http or https URL")
		}
		if r.DOI != "" && (!doiPattern.MatchString(r.DOI) || hasControl(r.DOI, false)) {
			v.Add(f+"doi", "must look like 10.1234/abc")
		}
		if r.PMID != "" && !pmidPattern.MatchString(r.PMID) {
			v.Add(f+"pmid", "must be a PubMed ID (digits)")
		}
		out = append(out, r)
	}
	return out
}

// ContentHash is sha256 over a canonical encoding of the words a reviewer
// approves: title, summary, body and references. Topics and slug are not
// content: changing them does not need a new medical review.
func ContentHash(r *Revision) string {
	b, err := json.Marshal(struct {
		Title      string      `json:"title"`
		Summary    string      `json:"summary"`
		BodyHTML   string      `json:"body_html"`
		References []Reference `json:"references"`
	}{r.Title, r.Summary, r.BodyHTML, r.References})
	if err != nil {
		panic(err) // strings and slices of strings always marshal
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
