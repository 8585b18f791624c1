package cms

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
		if u, ok := referenceURL(r.URL); ok {
			r.URL = u
		} else {
			v.Add(f+"url", "must be an absolute http or https URL, without user name or password")
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

// ContentHash is sha256 over the canonical encoding of everything a reader
// is shown of a revision: title, summary, body, topics and references. The
// encoding carries its version ("v": 2), so it can never collide with the
// first encoding, which left topics out; revisions saved under that one
// keep their hash (see hashedAsV1).
func ContentHash(r *Revision) string {
	return sha256Of(struct {
		V          int         `json:"v"`
		Title      string      `json:"title"`
		Summary    string      `json:"summary"`
		BodyHTML   string      `json:"body_html"`
		Topics     []string    `json:"topics"`
		References []Reference `json:"references"`
	}{2, r.Title, r.Summary, r.BodyHTML, orEmpty(r.Topics), orEmpty(r.References)})
}

// contentHashV1 is the first encoding: title, summary, body and references,
// without topics and without a version. New revisions are never hashed
// with it; it is kept to recognise revisions saved before topics became
// content, whose hashes and approvals stay valid.
func contentHashV1(r *Revision) string {
	return sha256Of(struct {
		Title      string      `json:"title"`
		Summary    string      `json:"summary"`
		BodyHTML   string      `json:"body_html"`
		References []Reference `json:"references"`
	}{r.Title, r.Summary, r.BodyHTML, orEmpty(r.References)})
}

// hashedAsV1 reports whether r's stored hash is of the first encoding. A
// v2 hash cannot equal the v1 hash of the same revision: the encodings
// differ in their first bytes.
func hashedAsV1(r *Revision) bool { return contentHashV1(r) == r.ContentHash }

// contentHashes are every hash r's content has: under the current
// encoding and, when r was saved under it, the first one.
func contentHashes(r *Revision) []string {
	if hashedAsV1(r) {
		return []string{r.ContentHash, ContentHash(r)}
	}
	return []string{r.ContentHash, contentHashV1(r)}
}

// sameContent reports whether next (hashed with the current encoding)
// shows readers exactly what prev shows. When prev was hashed with the
// first encoding and nothing changed, next takes prev's hash, so that an
// approval of prev still binds to it.
func sameContent(prev, next *Revision) bool {
	if prev.ContentHash == next.ContentHash {
		return true
	}
	if hashedAsV1(prev) && contentHashV1(next) == prev.ContentHash && slices.Equal(prev.Topics, next.Topics) {
		next.ContentHash = prev.ContentHash
		return true
	}
	return false
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func sha256Of(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // strings and slices of strings always marshal
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
