package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"healthcms/cms"
)

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) {
	hs, err := s.Webhooks.List(r.Context(), currentUser(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[*cms.Webhook]{Items: hs})
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) {
	var in cms.NewWebhook
	if err := s.decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	h, secret, err := s.Webhooks.Create(r.Context(), currentUser(r), in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/editor/webhooks/"+h.ID)
	writeJSON(w, http.StatusCreated, struct {
		*cms.Webhook
		Secret string `json:"secret"`
	}{h, secret})
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	if err := s.Webhooks.Delete(r.Context(), currentUser(r), chi.URLParam(r, "id")); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) hookDeliveries(w http.ResponseWriter, r *http.Request) {
	limit, err := queryInt(r, "limit", 50, 1, 200)
	if err != nil {
		writeError(w, r, err)
		return
	}
	ds, next, err := s.Webhooks.Deliveries(r.Context(), currentUser(r), chi.URLParam(r, "id"), limit, r.URL.Query().Get("cursor"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := list[*cms.HookDelivery]{Items: ds}
	if next != "" {
		out.NextCursor = &next
	}
	writeJSON(w, http.StatusOK, out)
}
