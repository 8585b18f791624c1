package api

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"healthcms/cms"
)

// listedArticle is an article in the editor list: its draft without the
// body, which lists do not need and which can be large.
type listedArticle struct {
	*cms.Article
	Draft listedDraft `json:"draft"`
}

type listedDraft struct {
	*cms.Revision
	BodyHTML *struct{} `json:"body_html,omitempty"` // shadows the embedded body
}

func (s *Server) listArticles(w http.ResponseWriter, r *http.Request) {
	qv := r.URL.Query()
	limit, err := queryInt(r, "limit", 20, 1, 100)
	if err != nil {
		writeError(w, r, err)
		return
	}
	q := cms.ListQuery{State: qv.Get("state"), Topic: qv.Get("topic"), Author: qv.Get("author"), Query: qv.Get("q"),
		Limit: limit, Cursor: qv.Get("cursor")}
	switch qv.Get("sort") {
	case "", "changed":
	case "submitted":
		q.BySubmission = true
	default:
		writeError(w, r, &cms.Error{Code: cms.EBADREQUEST, Message: "sort must be changed or submitted",
			Fields: []cms.FieldError{{Field: "sort", Message: "must be changed or submitted"}}})
		return
	}
	switch qv.Get("review_due") {
	case "":
	case "overdue":
		q.Overdue = true
	default:
		writeError(w, r, &cms.Error{Code: cms.EBADREQUEST, Message: "review_due must be overdue",
			Fields: []cms.FieldError{{Field: "review_due", Message: "must be overdue"}}})
		return
	}
	as, next, err := s.Editor.Articles(r.Context(), q)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := list[listedArticle]{Items: make([]listedArticle, len(as))}
	for i, a := range as {
		out.Items[i] = listedArticle{Article: a, Draft: listedDraft{Revision: a.Draft}}
	}
	if next != "" {
		out.NextCursor = &next
	}
	writeJSON(w, http.StatusOK, out)
}

// writeArticle answers an article with its version as ETag.
func writeArticle(w http.ResponseWriter, status int, a *cms.Article) {
	w.Header().Set("ETag", `"`+strconv.FormatInt(a.Version, 10)+`"`)
	writeJSON(w, status, a)
}

func (s *Server) createArticle(w http.ResponseWriter, r *http.Request) {
	var in cms.DraftInput
	if err := s.decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	a, err := s.Editor.CreateArticle(r.Context(), currentUser(r), in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/editor/articles/"+a.ID)
	writeArticle(w, http.StatusCreated, a)
}

func (s *Server) getArticle(w http.ResponseWriter, r *http.Request) {
	a, err := s.Editor.Article(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeArticle(w, http.StatusOK, a)
}

// ifMatch reads the version an If-Match header names: 428 when absent,
// 412 when it names no version this API gives out ("*" included: a write
// must say which version it was based on).
func ifMatch(r *http.Request) (int64, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return 0, cms.Errorf(cms.EPRECONDREQ, `If-Match is required: send the ETag of the article you edited, e.g. If-Match: "3"`)
	}
	v, err := strconv.ParseInt(strings.Trim(h, `"`), 10, 64)
	if err != nil || v < 1 || !strings.HasPrefix(h, `"`) || !strings.HasSuffix(h, `"`) {
		return 0, cms.Errorf(cms.EPRECONDITION, `If-Match does not name a version of this article (want e.g. "3")`)
	}
	return v, nil
}

// versionedWrite runs a write that must name the version it is based on
// (If-Match first: a client that did not say which version it edited has
// nothing else worth checking), decoding the body into in when in is not
// nil, and answers the article written.
func (s *Server) versionedWrite(w http.ResponseWriter, r *http.Request, in any, write func(v int64) (*cms.Article, error)) {
	v, err := ifMatch(r)
	if err == nil && in != nil {
		err = s.decode(w, r, in)
	}
	var a *cms.Article
	if err == nil {
		a, err = write(v)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeArticle(w, http.StatusOK, a)
}

func (s *Server) saveArticle(w http.ResponseWriter, r *http.Request) {
	var in cms.DraftInput
	s.versionedWrite(w, r, &in, func(v int64) (*cms.Article, error) {
		return s.Editor.SaveArticle(r.Context(), currentUser(r), chi.URLParam(r, "id"), v, in)
	})
}

// revisionItem is a revision in the list: no content, just who and when.
type revisionItem struct {
	Revision    int         `json:"revision"`
	ContentHash string      `json:"content_hash"`
	Title       string      `json:"title"`
	SavedBy     cms.UserRef `json:"saved_by"`
	SavedAt     time.Time   `json:"saved_at"`
}

func (s *Server) listRevisions(w http.ResponseWriter, r *http.Request) {
	revs, err := s.Editor.Revisions(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := list[revisionItem]{Items: make([]revisionItem, len(revs))}
	for i, rv := range revs {
		out.Items[i] = revisionItem{rv.Number, rv.ContentHash, rv.Title, rv.SavedBy, rv.SavedAt}
	}
	writeJSON(w, http.StatusOK, out)
}

// revisionNumber reads a revision number from the path or query.
func revisionNumber(v, field string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > math.MaxInt32 {
		return 0, &cms.Error{Code: cms.EBADREQUEST, Message: field + " must be a revision number (1, 2, …)",
			Fields: []cms.FieldError{{Field: field, Message: "must be a revision number"}}}
	}
	return n, nil
}

func (s *Server) getRevision(w http.ResponseWriter, r *http.Request) {
	n, err := revisionNumber(chi.URLParam(r, "n"), "n")
	if err != nil {
		writeError(w, r, cms.Errorf(cms.ENOTFOUND, "revision not found"))
		return
	}
	rev, err := s.Editor.Revision(r.Context(), chi.URLParam(r, "id"), n)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rev)
}

func (s *Server) diffRevisions(w http.ResponseWriter, r *http.Request) {
	// from and to: revision numbers, live or draft (cms.Editor.Diff).
	d, err := s.Editor.Diff(r.Context(), chi.URLParam(r, "id"), r.URL.Query().Get("from"), r.URL.Query().Get("to"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) restoreRevision(w http.ResponseWriter, r *http.Request) {
	s.versionedWrite(w, r, nil, func(v int64) (*cms.Article, error) {
		n, err := revisionNumber(chi.URLParam(r, "n"), "n")
		if err != nil {
			return nil, cms.Errorf(cms.ENOTFOUND, "revision not found")
		}
		return s.Editor.RestoreRevision(r.Context(), currentUser(r), chi.URLParam(r, "id"), n, v)
	})
}

func (s *Server) transition(w http.ResponseWriter, r *http.Request) {
	var in cms.TransitionInput
	s.versionedWrite(w, r, &in, func(v int64) (*cms.Article, error) {
		return s.Editor.Transition(r.Context(), currentUser(r), chi.URLParam(r, "id"), v, in)
	})
}

func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	evs, err := s.Editor.History(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[*cms.Event]{Items: evs})
}
