package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"healthcms/cms"
	"healthcms/workflow"
)

// TestAllowRefusesEveryoneOnAnEmptyList: a route whose role list is nil
// or empty is closed to every user, whatever their roles; anyone admits
// every role.
func TestAllowRefusesEveryoneOnAnEmptyList(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	users := [][]workflow.Role{{workflow.RoleWriter}, {workflow.RoleReviewer}, {workflow.RoleEditor}, {workflow.RoleAdmin},
		workflow.UserRoles, {workflow.RoleSystem}, nil}
	for _, c := range []struct {
		name  string
		roles []workflow.Role
		want  func(u []workflow.Role) int
	}{
		{"nil", nil, func([]workflow.Role) int { return http.StatusForbidden }},
		{"empty", []workflow.Role{}, func([]workflow.Role) int { return http.StatusForbidden }},
		{"anyone", anyone, func(u []workflow.Role) int {
			if len(u) == 0 || u[0] == workflow.RoleSystem {
				return http.StatusForbidden
			}
			return http.StatusNoContent
		}},
	} {
		h := allow(c.roles)(ok)
		for _, roles := range users {
			r := httptest.NewRequest("GET", "/api/v1/editor/x", nil)
			r = r.WithContext(context.WithValue(r.Context(), userKey{}, &cms.User{ID: "u", Roles: roles}))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if want := c.want(roles); w.Code != want {
				t.Errorf("allow(%s) for a user with roles %v: %d, want %d", c.name, roles, w.Code, want)
			}
		}
		// Without a user in the request (a route outside authenticate).
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/editor/x", nil))
		if w.Code != http.StatusForbidden {
			t.Errorf("allow(%s) without a user: %d, want 403", c.name, w.Code)
		}
	}
}
