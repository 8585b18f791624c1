package api_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"healthcms/workflow"
)

const topicsPath = "/api/v1/editor/topics"

// topicAct takes a workflow action on topic t as who.
func (e *env) topicAct(who string, t map[string]any, action string, extra ...string) *response {
	e.t.Helper()
	body := map[string]any{"action": action}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i]] = extra[i+1]
	}
	return e.do("POST", topicsPath+"/"+t["slug"].(string)+"/transitions", who, body, "If-Match", etag(t))
}

// topic creates a topic as the editor and takes it through review to
// published: slug, name, then more fields as key, value pairs.
func (e *env) topic(slug, name string, kv ...any) map[string]any {
	e.t.Helper()
	body := map[string]any{"slug": slug, "name": name}
	for i := 0; i+1 < len(kv); i += 2 {
		body[kv[i].(string)] = kv[i+1]
	}
	t := e.do("POST", topicsPath, "editor", body).want(201).json()
	t = e.topicAct("editor", t, "submit").want(200).json()
	t = e.topicAct("reviewer", t, "approve").want(200).json()
	return e.topicAct("editor", t, "publish").want(200).json()
}

func topicSlugs(t *testing.T, res *response, key string) []string {
	t.Helper()
	var out []string
	for _, it := range res.want(200).json()[key].([]any) {
		out = append(out, it.(map[string]any)["slug"].(string))
	}
	return out
}

// An unreviewed definition never reaches readers: a topic is delivered
// only once a reviewer approved exactly its content and an editor
// published it; a change clears the approval and readers keep the
// published version.
func TestTopicWorkflow(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		jak := e.do("POST", topicsPath, "editor", map[string]any{"slug": "jak-inhibitors", "name": "JAK inhibitors",
			"kind": "drug_class", "definition": "a type of targeted medication that blocks specific enzymes involved in immune signaling",
			"aliases": []string{"Janus kinase inhibitor", "JAKi"}}).want(201).json()
		if jak["state"] != "draft" || jak["version"] != float64(1) || jak["live"] != nil || jak["kind"] != "drug_class" ||
			!strings.HasPrefix(jak["content_hash"].(string), "sha256:") {
			t.Fatalf("created: %v", jak)
		}
		a := e.publish("Baricitinib", "topics", []string{"jak-inhibitors"})
		e.do("GET", delivery+"/topics/jak-inhibitors", "", nil).problem(404)
		if got := topicSlugs(t, e.do("GET", delivery+"/topics", "", nil), "items"); len(got) != 0 {
			t.Fatalf("glossary lists a draft topic: %v", got)
		}
		// The article tagged with a topic never published does not show it.
		if live := e.delivered(a["slug"].(string)).want(200).json(); len(live["topics"].([]any)) != 0 {
			t.Fatalf("delivered article shows an unpublished topic: %v", live["topics"])
		}

		// Transitions need If-Match, and the roles and rules of articles.
		e.do("POST", topicsPath+"/jak-inhibitors/transitions", "editor", map[string]any{"action": "submit"}).problem(428)
		e.topicAct("writer", jak, "submit").problem(403)
		e.topicAct("editor", jak, "publish").problem(409)
		e.topicAct("editor", jak, "schedule", "at", "2030-01-01T00:00:00Z").problem(422)
		jak = e.topicAct("editor", jak, "submit").want(200).json()
		e.do("PUT", topicsPath+"/jak-inhibitors", "editor", map[string]any{"name": "JAK inhibitors"}).problem(409) // in review
		e.topicAct("editor", jak, "approve").problem(403)
		e.addUser("nocreds", "", workflow.RoleReviewer)
		e.topicAct("nocreds", jak, "approve").problem(403)
		jak = e.topicAct("reviewer", jak, "approve", "comment", "Accurate.").want(200).json()
		if jak["state"] != "approved" || field(jak, "approval", "content_hash") != jak["content_hash"] ||
			field(jak, "approval", "reviewer", "credentials") != "MD, Rheumatology" {
			t.Fatalf("approved: %v", jak)
		}
		// A change of content clears the approval: nothing to publish.
		res := e.do("PUT", topicsPath+"/jak-inhibitors", "editor", map[string]any{"name": "JAK inhibitors", "kind": "drug_class",
			"definition": "An unreviewed definition.", "aliases": []string{"JAKi"}}, "If-Match", etag(jak)).want(200)
		changed := res.json()
		if changed["state"] != "draft" || changed["approval"] != nil || changed["revision"] != float64(2) ||
			res.Header.Get("ETag") != etag(changed) || changed["content_hash"] == jak["content_hash"] {
			t.Fatalf("changed: %v %s", changed, res.Header.Get("ETag"))
		}
		e.topicAct("editor", changed, "publish").problem(409)
		e.do("PUT", topicsPath+"/jak-inhibitors", "editor", map[string]any{"name": "x"}, "If-Match", etag(jak)).problem(412)
		e.do("GET", delivery+"/topics/jak-inhibitors", "", nil).problem(404)

		// Back to the reviewed words: a save of the same content as the
		// approval still needs a new review (the approval was cleared).
		jak = e.do("PUT", topicsPath+"/jak-inhibitors", "editor", map[string]any{"name": "JAK inhibitors", "kind": "drug_class",
			"definition": "a type of targeted medication that blocks specific enzymes involved in immune signaling",
			"aliases":    []string{"Janus kinase inhibitor", "JAKi"}}).want(200).json()
		jak = e.topicAct("editor", jak, "submit").want(200).json()
		jak = e.topicAct("reviewer", jak, "approve").want(200).json()
		jak = e.topicAct("editor", jak, "publish").want(200).json()
		if jak["state"] != "published" || field(jak, "live", "version") != float64(1) || field(jak, "live", "revision") != float64(3) {
			t.Fatalf("published: %v", jak)
		}
		page := e.do("GET", delivery+"/topics/jak-inhibitors", "", nil).want(200).json()
		if page["definition"] != "a type of targeted medication that blocks specific enzymes involved in immune signaling" ||
			field(page, "reviewed_by", "name") != "Reviewer" || page["last_reviewed_at"] == nil || page["kind"] != "drug_class" {
			t.Fatalf("delivered topic: %v", page)
		}

		// A new definition saved after publication stays with the editors
		// until it is reviewed and published.
		draft2 := e.do("PUT", topicsPath+"/jak-inhibitors", "editor", map[string]any{"name": "JAK inhibitors", "kind": "drug_class",
			"definition": "Not yet reviewed."}, "If-Match", etag(jak)).want(200).json()
		if draft2["state"] != "draft" || draft2["live"] == nil {
			t.Fatalf("saved over published: %v", draft2)
		}
		if page := e.do("GET", delivery+"/topics/jak-inhibitors", "", nil).want(200).json(); page["definition"] == "Not yet reviewed." {
			t.Fatalf("an unreviewed definition reached delivery: %v", page)
		}
		if items := e.do("GET", delivery+"/topics", "", nil).want(200).json()["items"].([]any); len(items) != 1 ||
			items[0].(map[string]any)["definition"] == "Not yet reviewed." || items[0].(map[string]any)["article_count"] != float64(1) {
			t.Fatalf("glossary: %v", items)
		}
		// A published topic is not deleted from under readers.
		e.do("DELETE", topicsPath+"/jak-inhibitors", "editor", nil).problem(409)

		// The history is the topic's audit chain.
		hist := e.do("GET", topicsPath+"/jak-inhibitors/history", "editor", nil).want(200).json()["items"].([]any)
		var actions []string
		for _, h := range hist {
			actions = append(actions, h.(map[string]any)["action"].(string))
		}
		want := []string{"created", "submitted", "approved", "changed", "changed", "submitted", "approved", "published", "changed"}
		if !slices.Equal(actions, want) {
			t.Fatalf("history %v, want %v", actions, want)
		}
		// Unpublishing takes it out of delivery.
		e.topicAct("editor", draft2, "unpublish").want(200)
		e.do("GET", delivery+"/topics/jak-inhibitors", "", nil).problem(404)
	})
}

// A reviewer may not approve topic words they saved, as with articles.
func TestTopicSelfReview(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.addUser("edrev", "MD", workflow.RoleEditor, workflow.RoleReviewer)
		tp := e.do("POST", topicsPath, "edrev", map[string]any{"slug": "psoriasis", "name": "Psoriasis", "kind": "condition"}).want(201).json()
		tp = e.topicAct("edrev", tp, "submit").want(200).json()
		e.topicAct("edrev", tp, "approve").problem(403)
		e.topicAct("reviewer", tp, "approve").want(200)
	})
}

// jakSite publishes a small vocabulary: a drug class with aliases, a
// condition that links to it, and a drug.
func (e *env) jakSite() {
	e.t.Helper()
	e.topic("jak-inhibitors", "JAK inhibitors", "kind", "drug_class",
		"definition", "a type of targeted medication that blocks specific enzymes involved in immune signaling",
		"aliases", []string{"Janus kinase inhibitor", "JAKi"})
	e.topic("rheumatoid-arthritis", "Rheumatoid arthritis", "kind", "condition",
		"definition", "a chronic disease where the immune system attacks joint lining", "related", []string{"jak-inhibitors"})
	e.topic("baricitinib", "Baricitinib", "kind", "drug", "definition", "a JAK inhibitor taken once a day",
		"related", []string{"jak-inhibitors"})
	e.topic("psoriasis", "Psoriasis", "kind", "condition", "definition", "a chronic skin disease")
}

// Published articles name the published vocabulary they mention, found
// when they are published: whole words, aliases, accents folded, the text
// as written; JSON-LD lists them and types them by kind.
func TestArticleMentions(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.jakSite()
		e.do("POST", topicsPath, "editor", map[string]any{"slug": "tofacitinib", "name": "Tofacitinib", "kind": "drug"}).want(201)
		a := e.publish("Baricitinib and psoriatic skin", "topics", []string{"jak-inhibitors", "tofacitinib"},
			"summary", "A Janus kinase inhibitor for RHEUMATOID ARTHRÍTIS.",
			"body_html", "<p>Unlike tofacitinib, this JAKi is taken once daily. Baricitinib again.</p>")
		live := e.delivered(a["slug"].(string)).want(200).json()
		var got []string
		for _, m := range live["mentions"].([]any) {
			m := m.(map[string]any)
			got = append(got, m["slug"].(string)+":"+m["matched"].(string)+":"+m["kind"].(string))
		}
		// Baricitinib from the title first; tofacitinib is not published;
		// "psoriatic" is not psoriasis.
		want := []string{"baricitinib:Baricitinib:drug", "jak-inhibitors:Janus kinase inhibitor:drug_class",
			"rheumatoid-arthritis:RHEUMATOID ARTHRÍTIS:condition"}
		if !slices.Equal(got, want) {
			t.Fatalf("mentions %v, want %v", got, want)
		}
		if d := field(live["mentions"].([]any)[1].(map[string]any), "definition"); !strings.HasPrefix(d.(string), "a type of targeted") {
			t.Fatalf("mention definition %v", d)
		}
		// Only the published topic of the two tagged is shown.
		if topics := live["topics"].([]any); len(topics) != 1 || field(topics[0].(map[string]any), "slug") != "jak-inhibitors" {
			t.Fatalf("topics %v", topics)
		}
		ld := live["jsonld"].(map[string]any)
		if about := ld["about"].([]any); len(about) != 1 || field(about[0].(map[string]any), "@type") != "DrugClass" {
			t.Fatalf("about %v", ld["about"])
		}
		var types []string
		for _, m := range ld["mentions"].([]any) {
			types = append(types, field(m.(map[string]any), "@type").(string))
		}
		if !slices.Equal(types, []string{"Drug", "DrugClass", "MedicalCondition"}) {
			t.Fatalf("jsonld mentions %v", ld["mentions"])
		}
	})
}

// A topic page: the published topic, related topics both ways, its
// reviewer and JSON-LD typed by kind; an alias in place of the slug
// redirects to it.
func TestDeliveryTopicPage(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.jakSite()
		for kind, typ := range map[string]string{"treatment": "MedicalTherapy", "test": "MedicalTest", "other": "MedicalEntity"} {
			e.topic("k-"+kind, "Kind "+kind, "kind", kind)
			if got := field(e.do("GET", delivery+"/topics/k-"+kind, "", nil).want(200).json(), "jsonld", "about", "@type"); got != typ {
				t.Fatalf("%s: about @type %v, want %s", kind, got, typ)
			}
		}
		e.publish("Baricitinib", "topics", []string{"jak-inhibitors", "baricitinib"})
		page := e.do("GET", delivery+"/topics/jak-inhibitors", "", nil).want(200).json()
		var related []string
		for _, r := range page["related"].([]any) {
			related = append(related, r.(map[string]any)["slug"].(string))
		}
		// Linked from the drug and the condition, saved on them only.
		if !slices.Equal(related, []string{"baricitinib", "rheumatoid-arthritis"}) || page["article_count"] != float64(1) ||
			field(page, "reviewed_by", "credentials") != "MD, Rheumatology" {
			t.Fatalf("page: %v", page)
		}
		about := field(page, "jsonld", "about").(map[string]any)
		if field(page, "jsonld", "@type") != "MedicalWebPage" || about["@type"] != "DrugClass" ||
			fmt.Sprint(about["alternateName"]) != "[Janus kinase inhibitor JAKi]" {
			t.Fatalf("jsonld: %v", page["jsonld"])
		}
		if rel := e.do("GET", delivery+"/topics/rheumatoid-arthritis", "", nil).want(200).json()["related"].([]any); len(rel) != 1 ||
			field(rel[0].(map[string]any), "kind") != "drug_class" || field(rel[0].(map[string]any), "definition") == "" {
			t.Fatalf("related of the condition: %v", rel)
		}
		for _, alias := range []string{"janus-kinase-inhibitor", "jaki"} {
			res := e.do("GET", delivery+"/topics/"+alias, "", nil).want(301)
			if loc := res.Header.Get("Location"); loc != delivery+"/topics/jak-inhibitors" {
				t.Fatalf("%s: Location %q", alias, loc)
			}
		}
		e.do("GET", delivery+"/topics/not-a-topic", "", nil).problem(404)
		// Only the topic page redirects; a feed of an alias is no feed.
		e.do("GET", delivery+"/feed.atom?topic=janus-kinase-inhibitor", "", nil).problem(404)
		glossary := e.do("GET", delivery+"/topics", "", nil).want(200).json()["items"].([]any)
		first := glossary[0].(map[string]any)
		for _, k := range []string{"slug", "name", "kind", "definition", "description_html", "aliases", "article_count"} {
			if _, ok := first[k]; !ok {
				t.Fatalf("glossary item without %s: %v", k, first)
			}
		}
	})
}

// Search knows the vocabulary: a query naming a topic or an alias lists
// the topic first and finds the articles tagged with it, even when their
// words do not match.
func TestSearchKnowsTopics(t *testing.T) {
	eachSearch(t, func(t *testing.T, e *env) {
		e.jakSite()
		e.publish("Once-daily tablets", "topics", []string{"jak-inhibitors"}, "summary", "Dosing.", "body_html", "<p>Taken with food.</p>")
		e.publish("Skin care", "topics", []string{"psoriasis"})
		for _, q := range []string{"JAKi", "janus kinase inhibitor", "JAK inhibitors"} {
			res := e.do("GET", delivery+"/search?q="+url.QueryEscape(q), "", nil).want(200)
			if !strings.HasPrefix(string(res.Body), `{"topics":[{"slug":"jak-inhibitors","name":"JAK inhibitors","definition":"a type`) {
				t.Fatalf("%s: %s", q, res.Body)
			}
			if got, _ := slugs(t, res); !slices.Equal(got, []string{"once-daily-tablets"}) {
				t.Fatalf("%s found %v", q, got)
			}
		}
		res := e.do("GET", delivery+"/search?q=tablets", "", nil).want(200)
		if topics := res.json()["topics"].([]any); len(topics) != 0 {
			t.Fatalf("topics for a word that names none: %v", topics)
		}
		if got, _ := slugs(t, res); !slices.Equal(got, []string{"once-daily-tablets"}) {
			t.Fatalf("tablets found %v", got)
		}
		if got, _ := slugs(t, e.do("GET", delivery+"/search?q=JAKi&topic=psoriasis", "", nil)); len(got) != 0 {
			t.Fatalf("topic filter: %v", got)
		}
	})
}

// TestTopicSaysWhoseWords: the editor topic names its author and who saved
// its draft revision, so a client can apply the self-review rule before
// offering Approve; the server still decides.
func TestTopicSaysWhoseWords(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.addUser("editorrev", "MD", workflow.RoleEditor, workflow.RoleReviewer)
		ref := func(tp map[string]any, key string) string {
			t.Helper()
			m, ok := tp[key].(map[string]any)
			if !ok {
				t.Fatalf("%s: %v", key, tp[key])
			}
			return m["id"].(string)
		}
		jak := e.do("POST", topicsPath, "editor", map[string]any{"slug": "jak-inhibitors", "name": "JAK inhibitors"}).want(201).json()
		if ref(jak, "author") != e.users["editor"].ID || ref(jak, "saved_by") != e.users["editor"].ID || jak["saved_at"] == nil {
			t.Fatalf("created: %v", jak)
		}
		jak = e.do("PUT", topicsPath+"/jak-inhibitors", "editorrev", map[string]any{"name": "JAK inhibitors", "definition": "a class of drugs"},
			"If-Match", etag(jak)).want(200).json()
		got := e.do("GET", topicsPath+"/jak-inhibitors", "writer", nil).want(200).json()
		for _, tp := range []map[string]any{jak, got} {
			if ref(tp, "author") != e.users["editor"].ID || ref(tp, "saved_by") != e.users["editorrev"].ID {
				t.Fatalf("after another's save: %v", tp)
			}
		}
		// Whose words are under review may not approve them.
		jak = e.topicAct("editor", jak, "submit").want(200).json()
		if ref(jak, "saved_by") != e.users["editorrev"].ID {
			t.Fatalf("a transition changed saved_by: %v", jak)
		}
		e.topicAct("editorrev", jak, "approve").problem(403)
		var list struct {
			Items []map[string]any `json:"items"`
		}
		e.do("GET", topicsPath, "writer", nil).want(200).decode(&list)
		if len(list.Items) != 1 || ref(list.Items[0], "saved_by") != e.users["editorrev"].ID {
			t.Fatalf("list: %v", list.Items)
		}
	})
}
