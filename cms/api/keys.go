package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"healthcms/cms"
)

func (s *Server) listKeys(w http.ResponseWriter, r *http.Request) {
	ks, err := s.Keys.List(r.Context(), currentUser(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[*cms.APIKey]{Items: ks})
}

func (s *Server) createKey(w http.ResponseWriter, r *http.Request) {
	var in cms.NewAPIKey
	if err := s.decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	k, raw, err := s.Keys.Create(r.Context(), currentUser(r), in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/editor/api-keys/"+k.ID)
	writeJSON(w, http.StatusCreated, struct {
		*cms.APIKey
		Key string `json:"key"`
	}{k, raw})
}

func (s *Server) revokeKey(w http.ResponseWriter, r *http.Request) {
	if err := s.Keys.Revoke(r.Context(), currentUser(r), chi.URLParam(r, "id")); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
