package api

import (
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"healthcms/cms"
	"healthcms/workflow"
)

// Who may call a route. Every editor route names one of these beside it,
// so the role table of API.md can be read off this file.
var (
	anyone  = workflow.UserRoles // any authenticated user
	writers = []workflow.Role{workflow.RoleWriter, workflow.RoleEditor, workflow.RoleAdmin}
	editors = []workflow.Role{workflow.RoleEditor, workflow.RoleAdmin}
	admins  = []workflow.Role{workflow.RoleAdmin}
)

func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.withRequestID, s.withAccessLog, s.metrics.withMetrics, withSecurityHeaders, withSaneURL)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, cms.Errorf(cms.ENOTFOUND, "no such resource"))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, Problem{Type: "/problems/method-not-allowed", Title: "Method not allowed",
			Status: http.StatusMethodNotAllowed, RequestID: requestID(r.Context())})
	})

	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	// The document and its page answer HEAD as GET does (link checkers,
	// monitors, caches revalidating).
	r.Get("/api/openapi.json", s.openAPI)
	r.Head("/api/openapi.json", s.openAPI)
	r.Get("/api/docs", s.docsPage)
	r.Head("/api/docs", s.docsPage)
	r.Get("/api/docs/{file}", s.docsAsset)
	r.Head("/api/docs/{file}", s.docsAsset)
	if !s.MetricsElsewhere {
		r.Method("GET", "/metrics", s.metrics.handler())
	}

	// The admin UI (adminui.go): / and /admin lead to /admin/.
	r.Get("/", redirectTo("/admin/"))
	r.Head("/", redirectTo("/admin/"))
	r.Get("/admin", redirectTo("/admin/"))
	r.Head("/admin", redirectTo("/admin/"))
	r.Get("/admin/*", s.adminUI.serve)
	r.Head("/admin/*", s.adminUI.serve)

	r.Route("/api/v1/auth", func(r chi.Router) {
		r.Use(s.editorCORS, noStore)
		r.Post("/login", s.login)
		r.Post("/refresh", s.refresh)
		r.Post("/logout", s.logout)
		r.With(s.authenticate).Get("/me", s.me)
		r.With(s.authenticate).Post("/password", s.changePassword)
	})

	r.Route("/api/v1/editor", func(r chi.Router) {
		r.Use(s.editorCORS, noStore, s.authenticate)
		route := func(method, pattern string, roles []workflow.Role, h http.HandlerFunc) {
			r.With(allow(roles)).Method(method, pattern, h)
		}
		route("GET", "/topics", anyone, s.listTopics)
		route("POST", "/topics", editors, s.createTopic)
		route("GET", "/topics/{slug}", anyone, s.getTopic)
		route("PUT", "/topics/{slug}", editors, s.replaceTopic)
		route("DELETE", "/topics/{slug}", editors, s.deleteTopic)
		route("GET", "/topics/{slug}/revisions/{n}", anyone, s.getTopicRevision)
		// Each action's roles and review rules: workflow.Decide, as articles.
		route("POST", "/topics/{slug}/transitions", anyone, s.topicTransition)
		route("GET", "/topics/{slug}/history", anyone, s.topicHistory)

		route("GET", "/articles", anyone, s.listArticles)
		route("POST", "/articles", writers, s.createArticle)
		route("GET", "/articles/{id}", anyone, s.getArticle)
		route("PUT", "/articles/{id}", writers, s.saveArticle) // writers: own articles only (cms.Editor)
		route("GET", "/articles/{id}/revisions", anyone, s.listRevisions)
		route("GET", "/articles/{id}/revisions/{n}", anyone, s.getRevision)
		route("POST", "/articles/{id}/revisions/{n}/restore", writers, s.restoreRevision)
		route("GET", "/articles/{id}/diff", anyone, s.diffRevisions)
		// Each action's roles, ownership and review rules: workflow.Decide.
		route("POST", "/articles/{id}/transitions", anyone, s.transition)
		route("GET", "/articles/{id}/history", anyone, s.history)
		route("GET", "/articles/{id}/comments", anyone, s.listComments)
		route("POST", "/articles/{id}/comments", anyone, s.addComment)
		// Who may resolve which comment: cms.Editor.ResolveComment.
		route("POST", "/articles/{id}/comments/{cid}/resolve", anyone, s.resolveComment)

		route("GET", "/api-keys", admins, s.listKeys)
		route("POST", "/api-keys", admins, s.createKey)
		route("DELETE", "/api-keys/{id}", admins, s.revokeKey)

		route("GET", "/webhooks", admins, s.listWebhooks)
		route("POST", "/webhooks", admins, s.createWebhook)
		route("DELETE", "/webhooks/{id}", admins, s.deleteWebhook)
		route("GET", "/webhooks/{id}/deliveries", admins, s.hookDeliveries)

		route("GET", "/users", admins, s.listUsers)
		route("POST", "/users", admins, s.createUser)
		route("GET", "/users/{id}", admins, s.getUser)
		route("PATCH", "/users/{id}", admins, s.patchUser)

		route("GET", "/audit", admins, s.auditLog)
	})
	// Delivery: public (or a delivery key), cached, read-only.
	r.Route("/api/v1/delivery", func(r chi.Router) {
		r.Use(s.cors, middleware.GetHead, s.requireKey(cms.ScopeDelivery))
		// deliveryRoutes (fastpath.go) lists them, each with the query
		// parameters its answer depends on (the cache key): the fast path
		// in front of this router finds cached answers by the same table.
		for _, rt := range s.hits.routes {
			r.Get(rt.pattern, s.delivered(rt.build, rt.params...))
		}
	})
	// Preview: drafts, so a preview key always, and never cached.
	r.Route("/api/v1/preview", func(r chi.Router) {
		r.Use(s.cors, s.requireKey(cms.ScopePreview))
		r.Get("/articles/{id}", s.preview)
	})
	return r
}

// allow refuses (403) a user holding none of roles. An empty list refuses
// everyone: a route whose list was forgotten stays closed.
func allow(roles []workflow.Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u := currentUser(r)
			if u == nil || !slices.ContainsFunc(roles, u.Has) {
				writeError(w, r, cms.Errorf(cms.EFORBIDDEN, "your roles do not allow this"))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// noStore keeps private answers out of every cache.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}
