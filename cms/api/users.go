package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"healthcms/cms"
)

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	us, err := s.Auth.ListUsers(r.Context(), currentUser(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[*cms.User]{Items: us})
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	var in cms.NewUser
	if err := s.decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	u, err := s.Auth.CreateUser(r.Context(), currentUser(r), in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/editor/users/"+u.ID)
	writeJSON(w, http.StatusCreated, u)
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	u, err := s.Auth.User(r.Context(), currentUser(r), chi.URLParam(r, "id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (s *Server) patchUser(w http.ResponseWriter, r *http.Request) {
	var p cms.UserPatch
	if err := s.decode(w, r, &p); err != nil {
		writeError(w, r, err)
		return
	}
	u, err := s.Auth.UpdateUser(r.Context(), currentUser(r), chi.URLParam(r, "id"), p)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}
