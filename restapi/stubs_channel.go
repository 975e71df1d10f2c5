package restapi

import "net/http"

// Stubs replaced as the handlers are written; each answers 501.

func (s *Server) listUserChannels(w http.ResponseWriter, r *http.Request)  { s.notImplemented(w, r) }
func (s *Server) fetchUserChannel(w http.ResponseWriter, r *http.Request)  { s.notImplemented(w, r) }
func (s *Server) updateUserChannel(w http.ResponseWriter, r *http.Request) { s.notImplemented(w, r) }
func (s *Server) deleteUserChannel(w http.ResponseWriter, r *http.Request) { s.notImplemented(w, r) }
func (s *Server) listChannels(w http.ResponseWriter, r *http.Request)      { s.notImplemented(w, r) }
func (s *Server) createChannel(w http.ResponseWriter, r *http.Request)     { s.notImplemented(w, r) }
func (s *Server) fetchChannel(w http.ResponseWriter, r *http.Request)      { s.notImplemented(w, r) }
func (s *Server) updateChannel(w http.ResponseWriter, r *http.Request)     { s.notImplemented(w, r) }
func (s *Server) deleteChannel(w http.ResponseWriter, r *http.Request)     { s.notImplemented(w, r) }
func (s *Server) listMembers(w http.ResponseWriter, r *http.Request)       { s.notImplemented(w, r) }
func (s *Server) createMember(w http.ResponseWriter, r *http.Request)      { s.notImplemented(w, r) }
func (s *Server) fetchMember(w http.ResponseWriter, r *http.Request)       { s.notImplemented(w, r) }
func (s *Server) updateMember(w http.ResponseWriter, r *http.Request)      { s.notImplemented(w, r) }
func (s *Server) deleteMember(w http.ResponseWriter, r *http.Request)      { s.notImplemented(w, r) }
func (s *Server) listMessages(w http.ResponseWriter, r *http.Request)      { s.notImplemented(w, r) }
func (s *Server) createMessage(w http.ResponseWriter, r *http.Request)     { s.notImplemented(w, r) }
func (s *Server) fetchMessage(w http.ResponseWriter, r *http.Request)      { s.notImplemented(w, r) }
func (s *Server) updateMessage(w http.ResponseWriter, r *http.Request)     { s.notImplemented(w, r) }
func (s *Server) deleteMessage(w http.ResponseWriter, r *http.Request)     { s.notImplemented(w, r) }
func (s *Server) listInvites(w http.ResponseWriter, r *http.Request)       { s.notImplemented(w, r) }
func (s *Server) createInvite(w http.ResponseWriter, r *http.Request)      { s.notImplemented(w, r) }
func (s *Server) fetchInvite(w http.ResponseWriter, r *http.Request)       { s.notImplemented(w, r) }
func (s *Server) deleteInvite(w http.ResponseWriter, r *http.Request)      { s.notImplemented(w, r) }
func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request)      { s.notImplemented(w, r) }
func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request)     { s.notImplemented(w, r) }
func (s *Server) fetchWebhook(w http.ResponseWriter, r *http.Request)      { s.notImplemented(w, r) }
func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request)     { s.notImplemented(w, r) }
func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request)     { s.notImplemented(w, r) }
