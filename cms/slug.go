package cms

import (
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// MaxSlugLen is API.md's bound on slugs.
const MaxSlugLen = 120

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// ValidSlug reports whether s has API.md's slug shape.
func ValidSlug(s string) bool { return len(s) <= MaxSlugLen && slugPattern.MatchString(s) }

func checkSlug(v *Validation, field, s string) {
	switch {
	case s == "":
		v.Add(field, "must not be empty")
	case len(s) > MaxSlugLen:
		v.Add(field, "must be at most 120 characters")
	case !slugPattern.MatchString(s):
		v.Add(field, "must be lower-case letters and digits separated by single hyphens")
	}
}

// foldings are letters that Unicode decomposition does not reduce to
// ASCII but that readers expect spelled out in a URL.
var foldings = strings.NewReplacer("ß", "ss", "æ", "ae", "Æ", "ae", "ø", "o", "Ø", "o", "œ", "oe", "Œ", "oe",
	"ð", "d", "Ð", "d", "þ", "th", "Þ", "th", "ł", "l", "Ł", "l", "đ", "d", "Đ", "d", "ı", "i")

// Slugify makes a slug from a title: accents folded to ASCII ("Sjögren's
// syndrome" → "sjogrens-syndrome"), apostrophes dropped, every other run of
// non-alphanumerics one hyphen, cut at a word boundary within MaxSlugLen.
// It returns "" when nothing usable is left (a title of only symbols).
func Slugify(title string) string {
	s := norm.NFKD.String(foldings.Replace(title))
	var b strings.Builder
	hyphen := false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r), r == '\'', r == '’', r == 'ʼ':
			// combining accents and apostrophes vanish: "sjögren's" → "sjogrens"
		case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(unicode.ToLower(r))
		default:
			hyphen = true
		}
	}
	out := b.String()
	for len(out) > MaxSlugLen {
		i := strings.LastIndexByte(out[:MaxSlugLen+1], '-')
		if i <= 0 {
			out = out[:MaxSlugLen]
			break
		}
		out = out[:i]
	}
	return strings.Trim(out, "-")
}
