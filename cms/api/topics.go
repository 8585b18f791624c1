package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"healthcms/cms"
)

func (s *Server) listTopics(w http.ResponseWriter, r *http.Request) {
	ts, err := s.Editor.Topics(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[*cms.Topic]{Items: ts})
}

func (s *Server) getTopic(w http.ResponseWriter, r *http.Request) {
	t, err := s.Editor.Topic(r.Context(), chi.URLParam(r, "slug"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", t.ETag())
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) createTopic(w http.ResponseWriter, r *http.Request) {
	var in cms.TopicInput
	if err := s.decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	t, err := s.Editor.CreateTopic(r.Context(), currentUser(r), in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/editor/topics/"+t.Slug)
	w.Header().Set("ETag", t.ETag())
	writeJSON(w, http.StatusCreated, t)
}

func (s *Server) replaceTopic(w http.ResponseWriter, r *http.Request) {
	var in cms.TopicInput
	if err := s.decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	since, err := cms.TopicVersion(r.Header.Get("If-Match"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	t, err := s.Editor.ReplaceTopic(r.Context(), currentUser(r), chi.URLParam(r, "slug"), since, in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", t.ETag())
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) deleteTopic(w http.ResponseWriter, r *http.Request) {
	since, err := cms.TopicVersion(r.Header.Get("If-Match"))
	if err == nil {
		err = s.Editor.DeleteTopic(r.Context(), currentUser(r), chi.URLParam(r, "slug"), since)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
