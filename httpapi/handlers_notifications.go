package httpapi

import (
	"net/http"

	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/httpapi/web"
)

// The caller's own notification preferences (issue 17):
// GET and PUT /api/v1/me/notifications.

type notificationsBody struct {
	NewContent string `json:"new_content"`
}

// getNotifications reads the caller's preferences (immediate until it chose).
func (s *Server) getNotifications(w http.ResponseWriter, r *http.Request) error {
	v, err := viewer(r)
	if err != nil {
		return err
	}
	p, err := s.queries.NotificationPreferences.Handle(r.Context(), query.NotificationPreferences{Viewer: v})
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, notificationsBody{NewContent: p.NewContent})
}

// putNotifications records the caller's choice and answers it.
func (s *Server) putNotifications(w http.ResponseWriter, r *http.Request) error {
	var in notificationsBody
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	res, err := s.app.SetNotificationPreference(r.Context(), call(r), in.NewContent)
	if err != nil {
		return err
	}
	return written(w, http.StatusOK, res, in)
}
