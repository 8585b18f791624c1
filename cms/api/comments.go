package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"healthcms/cms"
)

func (s *Server) listComments(w http.ResponseWriter, r *http.Request) {
	open := false
	switch r.URL.Query().Get("open") {
	case "", "false":
	case "true":
		open = true
	default:
		writeError(w, r, &cms.Error{Code: cms.EBADREQUEST, Message: "open must be true or false",
			Fields: []cms.FieldError{{Field: "open", Message: "must be true or false"}}})
		return
	}
	cs, err := s.Editor.Comments(r.Context(), currentUser(r), chi.URLParam(r, "id"), open)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[*cms.Comment]{Items: cs})
}

func (s *Server) addComment(w http.ResponseWriter, r *http.Request) {
	var in cms.CommentInput
	if err := s.decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	c, err := s.Editor.AddComment(r.Context(), currentUser(r), chi.URLParam(r, "id"), in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) resolveComment(w http.ResponseWriter, r *http.Request) {
	c, err := s.Editor.ResolveComment(r.Context(), currentUser(r), chi.URLParam(r, "id"), chi.URLParam(r, "cid"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}
