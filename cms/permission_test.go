package cms_test

import (
	"testing"

	"healthcms/auth"
	"healthcms/cms"
	"healthcms/cms/store/storetest"
	"healthcms/workflow"
)

// TestUseCasesRefuseActorsWithoutTheRole calls every use-case that
// changes something (and the admin-only reads) through the package API as
// users lacking the role: each is EFORBIDDEN, and nothing is changed or
// recorded. The HTTP routes check roles too, but no caller of the package
// (CLI, seed, another handler) may rely on that.
func TestUseCasesRefuseActorsWithoutTheRole(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			n := openNewsroom(t, d)
			as := &auth.Service{Users: n.db, Tokens: n.db}
			keys := &auth.Keys{Store: n.db}
			ed := n.ed
			admin, err := as.CreateUser(ctx, cms.CommandLine(), cms.NewUser{Email: "admin@example.com", Name: "Admin",
				Password: "a long enough password", Roles: []workflow.Role{workflow.RoleAdmin}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ed.CreateTopic(ctx, n.editor, cms.TopicInput{Slug: "ra", Name: "RA"}); err != nil {
				t.Fatal(err)
			}
			k, _, err := keys.Create(ctx, admin, cms.NewAPIKey{Name: "Site", Scope: cms.ScopeDelivery})
			if err != nil {
				t.Fatal(err)
			}
			a, err := ed.CreateArticle(ctx, n.writer, cms.DraftInput{Title: "Baricitinib", Summary: "S", BodyHTML: "<p>B</p>"})
			if err != nil {
				t.Fatal(err)
			}
			before, err := cms.VerifyAudit(ctx, n.db)
			if err != nil {
				t.Fatal(err)
			}
			name, pw := "Renamed", "a new long password"
			topicsWrite := []*cms.User{n.writer, n.reviewer, nil}
			adminOnly := []*cms.User{n.writer, n.reviewer, n.editor, nil}
			cases := []struct {
				name    string
				refused []*cms.User
				call    func(u *cms.User) error
			}{
				{"Editor.CreateTopic", topicsWrite, func(u *cms.User) error {
					_, err := ed.CreateTopic(ctx, u, cms.TopicInput{Slug: "psoriasis", Name: "Psoriasis"})
					return err
				}},
				{"Editor.ReplaceTopic", topicsWrite, func(u *cms.User) error {
					_, err := ed.ReplaceTopic(ctx, u, "ra", 0, cms.TopicInput{Name: "Rheumatoid arthritis"})
					return err
				}},
				{"Editor.DeleteTopic", topicsWrite, func(u *cms.User) error { return ed.DeleteTopic(ctx, u, "ra", 0) }},
				{"Editor.CreateArticle", []*cms.User{n.reviewer}, func(u *cms.User) error {
					_, err := ed.CreateArticle(ctx, u, cms.DraftInput{Title: "T", Summary: "S", BodyHTML: "<p>B</p>"})
					return err
				}},
				{"Editor.SaveArticle", []*cms.User{n.reviewer}, func(u *cms.User) error {
					_, err := ed.SaveArticle(ctx, u, a.ID, a.Version, cms.DraftInput{Title: "T", Summary: "S", BodyHTML: "<p>B</p>"})
					return err
				}},
				{"Editor.RestoreRevision", []*cms.User{n.reviewer}, func(u *cms.User) error {
					_, err := ed.RestoreRevision(ctx, u, a.ID, 1, a.Version)
					return err
				}},
				{"Editor.Audit", adminOnly, func(u *cms.User) error {
					_, _, err := ed.Audit(ctx, u, cms.AuditQuery{Limit: 10})
					return err
				}},
				{"Service.CreateUser", adminOnly, func(u *cms.User) error {
					_, err := as.CreateUser(ctx, u, cms.NewUser{Email: "new@example.com", Name: "New", Password: pw,
						Roles: []workflow.Role{workflow.RoleAdmin}})
					return err
				}},
				{"Service.UpdateUser", adminOnly, func(u *cms.User) error {
					roles := []workflow.Role{workflow.RoleAdmin}
					_, err := as.UpdateUser(ctx, u, n.writer.ID, cms.UserPatch{Name: &name, Roles: &roles, Password: &pw})
					return err
				}},
				{"Service.ListUsers", adminOnly, func(u *cms.User) error {
					_, err := as.ListUsers(ctx, u)
					return err
				}},
				{"Service.User", adminOnly, func(u *cms.User) error {
					_, err := as.User(ctx, u, admin.ID)
					return err
				}},
				{"Keys.Create", adminOnly, func(u *cms.User) error {
					_, _, err := keys.Create(ctx, u, cms.NewAPIKey{Name: "Mine", Scope: cms.ScopePreview})
					return err
				}},
				{"Keys.Revoke", adminOnly, func(u *cms.User) error { return keys.Revoke(ctx, u, k.ID) }},
				{"Keys.List", adminOnly, func(u *cms.User) error {
					_, err := keys.List(ctx, u)
					return err
				}},
			}
			for _, c := range cases {
				for _, u := range c.refused {
					who := "no actor"
					if u != nil {
						who = u.Name
					}
					if err := c.call(u); cms.ErrorCode(err) != cms.EFORBIDDEN {
						t.Errorf("%s as %s: %v, want %s", c.name, who, err, cms.EFORBIDDEN)
					}
				}
			}
			after, err := cms.VerifyAudit(ctx, n.db)
			if err != nil || after != before {
				t.Fatalf("audit events: %d before, %d after the refused calls (%v)", before, after, err)
			}
			if tp, err := ed.Topic(ctx, "ra"); err != nil || tp.Name != "RA" {
				t.Fatalf("topic after refused calls: %+v %v", tp, err)
			}
			if w, err := as.User(ctx, admin, n.writer.ID); err != nil || w.Name != "writer" || len(w.Roles) != 1 {
				t.Fatalf("writer after refused calls: %+v %v", w, err)
			}
			if ks, err := keys.List(ctx, admin); err != nil || len(ks) != 1 || ks[0].RevokedAt != nil {
				t.Fatalf("keys after refused calls: %+v %v", ks, err)
			}
		})
	}
}
