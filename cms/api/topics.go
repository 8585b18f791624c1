package api

import (
	"net/http"
	"strconv"

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

// writeTopic answers a topic with its version as ETag.
func writeTopic(w http.ResponseWriter, status int, t *cms.Topic) {
	w.Header().Set("ETag", t.ETag())
	writeJSON(w, status, t)
}

func (s *Server) getTopic(w http.ResponseWriter, r *http.Request) {
	t, err := s.Editor.Topic(r.Context(), chi.URLParam(r, "slug"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeTopic(w, http.StatusOK, t)
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
	writeTopic(w, http.StatusCreated, t)
}

func (s *Server) replaceTopic(w http.ResponseWriter, r *http.Request) {
	v, err := cms.TopicVersionOf(r.Header.Get("If-Match"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in cms.TopicInput
	if err := s.decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	t, err := s.Editor.ReplaceTopic(r.Context(), currentUser(r), chi.URLParam(r, "slug"), v, in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeTopic(w, http.StatusOK, t)
}

func (s *Server) deleteTopic(w http.ResponseWriter, r *http.Request) {
	v, err := cms.TopicVersionOf(r.Header.Get("If-Match"))
	if err == nil {
		err = s.Editor.DeleteTopic(r.Context(), currentUser(r), chi.URLParam(r, "slug"), v)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// topicTransition takes a workflow action on a topic; like an article's,
// it must name the version it was decided on.
func (s *Server) topicTransition(w http.ResponseWriter, r *http.Request) {
	v, err := cms.TopicVersionOf(r.Header.Get("If-Match"))
	if err == nil && v == 0 {
		err = cms.Errorf(cms.EPRECONDREQ, `If-Match is required: send the ETag of the topic you decided on, e.g. If-Match: "3"`)
	}
	var in cms.TransitionInput
	if err == nil {
		err = s.decode(w, r, &in)
	}
	var t *cms.Topic
	if err == nil {
		t, err = s.Editor.TopicTransition(r.Context(), currentUser(r), chi.URLParam(r, "slug"), v, in)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeTopic(w, http.StatusOK, t)
}

func (s *Server) topicHistory(w http.ResponseWriter, r *http.Request) {
	evs, err := s.Editor.TopicHistory(r.Context(), chi.URLParam(r, "slug"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[*cms.AuditEvent]{Items: evs})
}

func (s *Server) getTopicRevision(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(chi.URLParam(r, "n"))
	var rev *cms.TopicRevision
	if err == nil {
		rev, err = s.Editor.TopicRevision(r.Context(), chi.URLParam(r, "slug"), n)
	} else {
		err = cms.Errorf(cms.ENOTFOUND, "revision not found")
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rev)
}
