package restapi

import "github.com/go-chi/chi/v5"

// The route tree mirrors the URL tree of Twilio's Chat v2 API. Path
// parameters use one name per position ({ServiceSid}, {ChannelSid},
// {UserSid}, {Sid}) because chi requires it; a channel or user segment holds
// a SID or a name.

func (s *Server) serviceRoutes(r chi.Router) {
	r.Get("/", s.listServices)
	r.Post("/", s.createService)
	r.Route("/{ServiceSid}", func(r chi.Router) {
		r.Get("/", s.fetchService)
		r.Post("/", s.updateService)
		r.Delete("/", s.deleteService)
		r.Route("/Roles", func(r chi.Router) {
			r.Get("/", s.listRoles)
			r.Post("/", s.createRole)
			r.Get("/{Sid}", s.fetchRole)
			r.Post("/{Sid}", s.updateRole)
			r.Delete("/{Sid}", s.deleteRole)
		})
		r.Route("/Users", func(r chi.Router) {
			r.Get("/", s.listUsers)
			r.Post("/", s.createUser)
			r.Route("/{UserSid}", func(r chi.Router) {
				r.Get("/", s.fetchUser)
				r.Post("/", s.updateUser)
				r.Delete("/", s.deleteUser)
				r.Get("/Channels", s.listUserChannels)
				r.Get("/Channels/{ChannelSid}", s.fetchUserChannel)
				r.Post("/Channels/{ChannelSid}", s.updateUserChannel)
				r.Delete("/Channels/{ChannelSid}", s.deleteUserChannel)
				r.Get("/Bindings", s.listUserBindings)
				r.Get("/Bindings/{Sid}", s.fetchUserBinding)
				r.Delete("/Bindings/{Sid}", s.deleteUserBinding)
			})
		})
		r.Route("/Bindings", func(r chi.Router) {
			r.Get("/", s.listBindings)
			r.Get("/{Sid}", s.fetchBinding)
			r.Delete("/{Sid}", s.deleteBinding)
		})
		r.Route("/Channels", func(r chi.Router) {
			r.Get("/", s.listChannels)
			r.Post("/", s.createChannel)
			r.Route("/{ChannelSid}", func(r chi.Router) {
				r.Get("/", s.fetchChannel)
				r.Post("/", s.updateChannel)
				r.Delete("/", s.deleteChannel)
				r.Route("/Members", func(r chi.Router) {
					r.Get("/", s.listMembers)
					r.Post("/", s.createMember)
					r.Get("/{Sid}", s.fetchMember)
					r.Post("/{Sid}", s.updateMember)
					r.Delete("/{Sid}", s.deleteMember)
				})
				r.Route("/Messages", func(r chi.Router) {
					r.Get("/", s.listMessages)
					r.Post("/", s.createMessage)
					r.Get("/{Sid}", s.fetchMessage)
					r.Post("/{Sid}", s.updateMessage)
					r.Delete("/{Sid}", s.deleteMessage)
				})
				r.Route("/Invites", func(r chi.Router) {
					r.Get("/", s.listInvites)
					r.Post("/", s.createInvite)
					r.Get("/{Sid}", s.fetchInvite)
					r.Delete("/{Sid}", s.deleteInvite)
				})
				r.Route("/Webhooks", func(r chi.Router) {
					r.Get("/", s.listWebhooks)
					r.Post("/", s.createWebhook)
					r.Get("/{Sid}", s.fetchWebhook)
					r.Post("/{Sid}", s.updateWebhook)
					r.Delete("/{Sid}", s.deleteWebhook)
				})
			})
		})
	})
}

func (s *Server) credentialRoutes(r chi.Router) {
	r.Get("/", s.listCredentials)
	r.Post("/", s.createCredential)
	r.Get("/{Sid}", s.fetchCredential)
	r.Post("/{Sid}", s.updateCredential)
	r.Delete("/{Sid}", s.deleteCredential)
}

// keyRoutes serves Twilio's account Keys API (2010-04-01), which twilio-go's
// Api.CreateNewKey and friends call: /Keys.json and /Keys/{Sid}.json.
func (s *Server) keyRoutes(r chi.Router) {
	r.Get("/Keys.json", s.listKeys)
	r.Post("/Keys.json", s.createKey)
	// chi cannot match "{Sid}.json"; the handlers strip the suffix.
	r.Get("/Keys/{SidJSON}", s.fetchKey)
	r.Post("/Keys/{SidJSON}", s.updateKey)
	r.Delete("/Keys/{SidJSON}", s.deleteKey)
}
