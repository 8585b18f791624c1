package api

import (
	"net/http"
)

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := s.decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	sess, err := s.Auth.Login(r.Context(), in.Email, in.Password, s.clientAddr(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sess)
}

type refreshBody struct {
	RefreshToken string `json:"refresh_token"`
}

func (s *Server) refresh(w http.ResponseWriter, r *http.Request) {
	var in struct {
		RefreshToken     string `json:"refresh_token"`
		NextRefreshToken string `json:"next_refresh_token"`
	}
	if err := s.decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	sess, err := s.Auth.Refresh(r.Context(), in.RefreshToken, in.NextRefreshToken)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sess)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	var in refreshBody
	if err := s.decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	if err := s.Auth.Logout(r.Context(), in.RefreshToken); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, currentUser(r))
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Current string `json:"current_password"`
		New     string `json:"new_password"`
	}
	if err := s.decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	if err := s.Auth.ChangePassword(r.Context(), currentUser(r), in.Current, in.New); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
