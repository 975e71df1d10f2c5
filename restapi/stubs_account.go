package restapi

import "net/http"

// Stubs replaced as the handlers are written; each answers 501.

func (s *Server) listServices(w http.ResponseWriter, r *http.Request)      { s.notImplemented(w, r) }
func (s *Server) createService(w http.ResponseWriter, r *http.Request)     { s.notImplemented(w, r) }
func (s *Server) fetchService(w http.ResponseWriter, r *http.Request)      { s.notImplemented(w, r) }
func (s *Server) updateService(w http.ResponseWriter, r *http.Request)     { s.notImplemented(w, r) }
func (s *Server) deleteService(w http.ResponseWriter, r *http.Request)     { s.notImplemented(w, r) }
func (s *Server) listRoles(w http.ResponseWriter, r *http.Request)         { s.notImplemented(w, r) }
func (s *Server) createRole(w http.ResponseWriter, r *http.Request)        { s.notImplemented(w, r) }
func (s *Server) fetchRole(w http.ResponseWriter, r *http.Request)         { s.notImplemented(w, r) }
func (s *Server) updateRole(w http.ResponseWriter, r *http.Request)        { s.notImplemented(w, r) }
func (s *Server) deleteRole(w http.ResponseWriter, r *http.Request)        { s.notImplemented(w, r) }
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request)         { s.notImplemented(w, r) }
func (s *Server) createUser(w http.ResponseWriter, r *http.Request)        { s.notImplemented(w, r) }
func (s *Server) fetchUser(w http.ResponseWriter, r *http.Request)         { s.notImplemented(w, r) }
func (s *Server) updateUser(w http.ResponseWriter, r *http.Request)        { s.notImplemented(w, r) }
func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request)        { s.notImplemented(w, r) }
func (s *Server) listUserBindings(w http.ResponseWriter, r *http.Request)  { s.notImplemented(w, r) }
func (s *Server) fetchUserBinding(w http.ResponseWriter, r *http.Request)  { s.notImplemented(w, r) }
func (s *Server) deleteUserBinding(w http.ResponseWriter, r *http.Request) { s.notImplemented(w, r) }
func (s *Server) listBindings(w http.ResponseWriter, r *http.Request)      { s.notImplemented(w, r) }
func (s *Server) fetchBinding(w http.ResponseWriter, r *http.Request)      { s.notImplemented(w, r) }
func (s *Server) deleteBinding(w http.ResponseWriter, r *http.Request)     { s.notImplemented(w, r) }
func (s *Server) listCredentials(w http.ResponseWriter, r *http.Request)   { s.notImplemented(w, r) }
func (s *Server) createCredential(w http.ResponseWriter, r *http.Request)  { s.notImplemented(w, r) }
func (s *Server) fetchCredential(w http.ResponseWriter, r *http.Request)   { s.notImplemented(w, r) }
func (s *Server) updateCredential(w http.ResponseWriter, r *http.Request)  { s.notImplemented(w, r) }
func (s *Server) deleteCredential(w http.ResponseWriter, r *http.Request)  { s.notImplemented(w, r) }
func (s *Server) listKeys(w http.ResponseWriter, r *http.Request)          { s.notImplemented(w, r) }
func (s *Server) createKey(w http.ResponseWriter, r *http.Request)         { s.notImplemented(w, r) }
