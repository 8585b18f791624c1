package main

import (
	"context"
	"fmt"
	"time"

	"healthcms/auth"
	"healthcms/cms"
	"healthcms/workflow"
)

// demoUser is an account of the demo newsroom.
type demoUser struct {
	key, email, name, credentials string
	roles                         []workflow.Role
}

var demoUsers = []demoUser{
	{"writer", "writer@example.com", "Wren Writer", "", []workflow.Role{workflow.RoleWriter}},
	{"reviewer", "reviewer@example.com", "Dr. Rhea Reviewer", "MD, Rheumatology", []workflow.Role{workflow.RoleReviewer}},
	{"pharmacist", "pharmacist@example.com", "Paul Pharmacist", "PharmD", []workflow.Role{workflow.RoleReviewer}},
	{"editor", "editor@example.com", "Eddie Editor", "", []workflow.Role{workflow.RoleEditor}},
}

// seedDemo fills an empty database with a working newsroom: users, topics
// and articles in every workflow state, all made through the same
// use-cases as the API, so the demo holds nothing the API could not have
// written. A database that already has articles is left alone.
func (e *env) seedDemo(ctx context.Context, as *auth.Service, ed *cms.Editor) error {
	existing, _, err := ed.Articles(ctx, cms.ListQuery{Limit: 1})
	if err != nil {
		return err
	}
	if len(existing) > 0 {
		fmt.Fprintln(e.stdout, "cms: --demo: the database already has articles; not seeding")
		return nil
	}
	users := map[string]*cms.User{}
	for _, d := range demoUsers {
		pw := auth.GeneratePassword()
		u, err := as.CreateUser(ctx, cms.CommandLine(), cms.NewUser{Email: d.email, Name: d.name, Password: pw, Roles: d.roles, Credentials: d.credentials})
		if err != nil {
			return fmt.Errorf("demo user %s: %w", d.email, err)
		}
		users[d.key] = u
		fmt.Fprintf(e.stdout, "cms: demo login %-24s %s (%s; shown once)\n", d.email, pw, d.roles[0])
	}
	for _, t := range demoTopics {
		if err := seedTopic(ctx, ed, users, t); err != nil {
			return fmt.Errorf("demo topic %s: %w", t.Slug, err)
		}
	}
	for i, d := range demoArticles {
		if err := seedArticle(ctx, ed, users, d, i); err != nil {
			return fmt.Errorf("demo article %q: %w", d.Title, err)
		}
	}
	fmt.Fprintf(e.stdout, "cms: demo newsroom seeded: %d topics, %d articles\n", len(demoTopics), len(demoArticles))
	return nil
}

// seedTopic creates one demo topic and publishes it through the
// workflow: the editor writes and submits it, the demo reviewer approves
// exactly its words, the editor publishes it.
func seedTopic(ctx context.Context, ed *cms.Editor, users map[string]*cms.User, d demoTopic) error {
	editor := users["editor"]
	t, err := ed.CreateTopic(ctx, editor, cms.TopicInput{Slug: d.Slug, Name: d.Name, Kind: d.Kind, Definition: d.Definition,
		DescriptionHTML: d.DescriptionHTML, Aliases: d.Aliases, Related: d.Related})
	for _, step := range []struct {
		who    *cms.User
		action string
	}{{editor, "submit"}, {users["reviewer"], "approve"}, {editor, "publish"}} {
		if err == nil {
			t, err = ed.TopicTransition(ctx, step.who, d.Slug, t.Version, cms.TransitionInput{Action: step.action})
		}
	}
	return err
}

// seedArticle creates one demo article and takes it to its state. The
// reviewers alternate so the demo shows both kinds of credentials.
func seedArticle(ctx context.Context, ed *cms.Editor, users map[string]*cms.User, d demoArticle, i int) error {
	writer, editor := users["writer"], users["editor"]
	reviewer, second := users["reviewer"], users["pharmacist"]
	if i%2 == 1 {
		reviewer, second = second, reviewer
	}
	a, err := ed.CreateArticle(ctx, writer, cms.DraftInput{Title: d.Title, Summary: d.Summary, BodyHTML: d.BodyHTML,
		Topics: d.Topics, References: d.References})
	if err != nil {
		return err
	}
	step := func(who *cms.User, action, comment string, at *string) {
		if err == nil {
			a, err = ed.Transition(ctx, who, a.ID, a.Version, cms.TransitionInput{Action: action, Comment: comment, At: at})
		}
		if err == nil && action == "approve" && a.State == workflow.InReview {
			// CMS_REQUIRED_APPROVALS=2 (or a topic) asks for a second opinion.
			a, err = ed.Transition(ctx, second, a.ID, a.Version, cms.TransitionInput{Action: action, Comment: comment})
		}
	}
	switch d.State {
	case "draft":
	case "in_review":
		step(writer, "submit", "", nil)
	case "changes_requested":
		step(writer, "submit", "", nil)
		step(reviewer, "request_changes", d.Comment, nil)
	case "approved":
		step(writer, "submit", "", nil)
		step(reviewer, "approve", d.Comment, nil)
	case "scheduled":
		at := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Hour).Format(time.RFC3339)
		step(writer, "submit", "", nil)
		step(reviewer, "approve", d.Comment, nil)
		step(editor, "schedule", "", &at)
	case "published", "published+review":
		step(writer, "submit", "", nil)
		step(reviewer, "approve", d.Comment, nil)
		step(editor, "publish", "", nil)
		if d.State == "published+review" && err == nil {
			a, err = ed.SaveArticle(ctx, writer, a.ID, a.Version, cms.DraftInput{Title: d.Title, Summary: d.Summary,
				BodyHTML: d.Edit, Topics: d.Topics, References: d.References})
			step(writer, "submit", "", nil)
		}
	default:
		return fmt.Errorf("unknown demo state %q", d.State)
	}
	return err
}
