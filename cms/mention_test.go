package cms_test

import (
	"fmt"
	"strings"
	"testing"

	"healthcms/cms"
)

func TestFindMentions(t *testing.T) {
	vocab := []*cms.TopicVersion{
		{Slug: "jak-inhibitors", TopicContent: cms.TopicContent{Name: "JAK inhibitors", Kind: cms.KindDrugClass,
			Definition: "a type of targeted medication", Aliases: []string{"Janus kinase inhibitor", "JAKi"}}},
		{Slug: "jak", TopicContent: cms.TopicContent{Name: "JAK", Kind: cms.KindOther}},
		{Slug: "psoriasis", TopicContent: cms.TopicContent{Name: "Psoriasis", Kind: cms.KindCondition}},
		{Slug: "psoriatic-arthritis", TopicContent: cms.TopicContent{Name: "Psoriatic arthritis", Kind: cms.KindCondition}},
		{Slug: "behcets", TopicContent: cms.TopicContent{Name: "Behçet's disease", Kind: cms.KindCondition}},
		{Slug: "uc", TopicContent: cms.TopicContent{Name: "Ulcerative colitis", Kind: cms.KindCondition, Aliases: []string{"UC"}}},
	}
	for _, c := range []struct {
		name  string
		texts []string
		want  string
	}{
		{"longest match first", []string{"JAK inhibitors block enzymes."}, "[jak-inhibitors:JAK inhibitors]"},
		{"the shorter term elsewhere", []string{"JAK inhibitors block JAK enzymes."}, "[jak-inhibitors:JAK inhibitors jak:JAK]"},
		{"alias, as written", []string{"Ask about a janus  KINASE\ninhibitor."}, "[jak-inhibitors:janus  KINASE\ninhibitor]"},
		{"short alias", []string{"Is JAKi safe?"}, "[jak-inhibitors:JAKi]"},
		{"no match inside a word", []string{"psoriatic skin", "JAKis", "Tofacitinib for UCLA"}, "[]"},
		{"a longer name claims the words", []string{"Psoriatic arthritis and psoriasis"}, "[psoriatic-arthritis:Psoriatic arthritis psoriasis:psoriasis]"},
		{"accents folded both ways", []string{"Behcet's disease"}, "[behcets:Behcet's disease]"},
		{"accents in the text", []string{"PSORIÁSIS"}, "[psoriasis:PSORIÁSIS]"},
		{"each topic once, in text order", []string{"UC", "Psoriasis and ulcerative colitis, psoriasis"}, "[uc:UC psoriasis:Psoriasis]"},
		{"case-insensitive", []string{"psoriasis"}, "[psoriasis:psoriasis]"},
	} {
		got := fmt.Sprint(mentions(cms.FindMentions(vocab, c.texts...)))
		if got != c.want {
			t.Errorf("%s: %q -> %s, want %s", c.name, c.texts, got, c.want)
		}
	}
}

func mentions(ms []cms.Mention) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, m.Slug+":"+m.Matched)
	}
	return out
}

// BenchmarkFindMentions: the mentions of a 1,200-word article in a
// glossary of 50 topics, as publishing finds them.
func BenchmarkFindMentions(b *testing.B) {
	var vocab []*cms.TopicVersion
	for i := range 50 {
		vocab = append(vocab, &cms.TopicVersion{Slug: fmt.Sprintf("t%d", i), TopicContent: cms.TopicContent{
			Name: fmt.Sprintf("Topic number %d", i), Aliases: []string{fmt.Sprintf("TN%d", i)}}})
	}
	words := strings.Fields("patients treatment dose daily tablet infection risk blood pressure inflammation joint skin gut TN7 immune response")
	var body strings.Builder
	for i := range 1200 {
		body.WriteString(words[i%len(words)] + " ")
	}
	text := body.String()
	b.ReportAllocs()
	for b.Loop() {
		if len(cms.FindMentions(vocab, "A title", "A summary", text)) != 1 {
			b.Fatal("TN7 not found")
		}
	}
}
