package api_test

import (
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
