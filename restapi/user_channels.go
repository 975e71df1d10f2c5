package restapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/model"
)

// userChannelJSON is chat.v2.service.user.user_channel, in the spec's field
// order.
type userChannelJSON struct {
	AccountSID               string               `json:"account_sid"`
	ServiceSID               string               `json:"service_sid"`
	ChannelSID               string               `json:"channel_sid"`
	UserSID                  string               `json:"user_sid"`
	MemberSID                *string              `json:"member_sid"`
	Status                   string               `json:"status"`
	LastConsumedMessageIndex *int64               `json:"last_consumed_message_index"`
	UnreadMessagesCount      *int                 `json:"unread_messages_count"`
	Links                    userChannelLinksJSON `json:"links"`
	URL                      string               `json:"url"`
	NotificationLevel        string               `json:"notification_level"`
}

type userChannelLinksJSON struct {
	Channel string  `json:"channel"`
	Member  *string `json:"member"`
}

func (s *Server) renderUserChannel(r *http.Request, userSID string, uc *model.UserChannel) userChannelJSON {
	ch := &uc.Channel
	out := userChannelJSON{AccountSID: ch.AccountSID, ServiceSID: ch.ServiceSID, ChannelSID: ch.SID, UserSID: userSID,
		Status: "invited", UnreadMessagesCount: uc.UnreadMessagesCount,
		Links:             userChannelLinksJSON{Channel: s.channelURL(r, ch.ServiceSID, ch.SID)},
		URL:               s.join(r, "v2", "Services", ch.ServiceSID, "Users", userSID, "Channels", ch.SID),
		NotificationLevel: string(model.NotificationDefault)}
	if m := uc.Member; m != nil {
		out.MemberSID = &m.SID
		out.Status = "joined"
		out.LastConsumedMessageIndex = m.LastConsumedMessageIndex
		if m.NotificationLevel != "" {
			out.NotificationLevel = string(m.NotificationLevel)
		}
		u := s.channelURL(r, ch.ServiceSID, ch.SID, "Members", m.SID)
		out.Links.Member = &u
	}
	return out
}

func (s *Server) listUserChannels(w http.ResponseWriter, r *http.Request) {
	pp, page, err := pageParams(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	user, err := s.core.GetUser(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "UserSid"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items, info, err := s.core.ListUserChannels(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), user.SID, pp)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]userChannelJSON, 0, len(items))
	for i := range items {
		out = append(out, s.renderUserChannel(r, user.SID, &items[i]))
	}
	s.writeList(w, r, "channels", out, info, page)
}

func (s *Server) fetchUserChannel(w http.ResponseWriter, r *http.Request) {
	user, err := s.core.GetUser(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "UserSid"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	uc, err := s.core.GetUserChannel(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), user.SID,
		chi.URLParam(r, "ChannelSid"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.renderUserChannel(r, user.SID, uc))
}

func (s *Server) updateUserChannel(w http.ResponseWriter, r *http.Request) {
	f, err := parseForm(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in core.UserChannelUpdate
	in.NotificationLevel = f.str("NotificationLevel")
	in.LastConsumedMessageIndex.Value, in.LastConsumedMessageIndex.Set = f.nullableInt64("LastConsumedMessageIndex")
	in.LastConsumptionTimestamp = f.time("LastConsumptionTimestamp")
	if f.err != nil {
		s.writeError(w, r, f.err)
		return
	}
	user, err := s.core.GetUser(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "UserSid"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	uc, err := s.core.UpdateUserChannel(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), user.SID,
		chi.URLParam(r, "ChannelSid"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.renderUserChannel(r, user.SID, uc))
}

func (s *Server) deleteUserChannel(w http.ResponseWriter, r *http.Request) {
	if err := s.core.DeleteUserChannel(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "UserSid"),
		chi.URLParam(r, "ChannelSid")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeNoContent(w)
}
