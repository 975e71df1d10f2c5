package core

import (
	"context"
	"slices"

	"github.com/parleychat/parley/model"
)

// codeInvalidBindingType is Twilio's code for a binding type other than
// apn, gcm or fcm.
const codeInvalidBindingType = 50209

// pushTypes are the push technologies of bindings and credentials.
var pushTypes = []string{"apn", "gcm", "fcm"}

// bindingMessageTypes are the notification kinds a binding may receive.
var bindingMessageTypes = []string{"new_message", "added_to_channel", "removed_from_channel", "invited_to_channel"}

// BindingCreate holds the parameters of CreateBinding. Bindings are created
// by push registration (SDK), never by the REST API.
type BindingCreate struct {
	Endpoint      string
	BindingType   string
	CredentialSID string
	// MessageTypes defaults to every kind of notification when empty.
	MessageTypes []string
}

// BindingFilter narrows a binding list.
type BindingFilter struct {
	BindingTypes []string
	Identities   []string
}

func checkBindingTypes(types []string) error {
	for _, t := range types {
		if !slices.Contains(pushTypes, t) {
			return invalid(codeInvalidBindingType, "Invalid parameter BindingType: want apn, gcm or fcm")
		}
	}
	return nil
}

// CreateBinding registers a device of a user (named by SID or identity) for
// push notifications.
func (c *Core) CreateBinding(ctx context.Context, a Actor, serviceSID, userKey string, in BindingCreate) (*model.Binding, error) {
	svc, err := c.service(ctx, serviceSID)
	if err != nil {
		return nil, err
	}
	u, err := c.user(ctx, svc.SID, userKey)
	if err != nil {
		return nil, err
	}
	if in.Endpoint == "" {
		return nil, missing("Endpoint")
	}
	if err := checkLen("Endpoint", in.Endpoint, MaxURL, model.CodeInvalidParam); err != nil {
		return nil, err
	}
	if in.BindingType == "" {
		return nil, missing("BindingType")
	}
	if err := checkBindingTypes([]string{in.BindingType}); err != nil {
		return nil, err
	}
	if _, err := c.credential(ctx, in.CredentialSID); err != nil {
		if model.KindOf(err) == model.KindNotFound {
			return nil, invalid(model.CodeInvalidParam, "Invalid parameter CredentialSid: no such credential")
		}
		return nil, err
	}
	types := bindingMessageTypes
	if len(in.MessageTypes) > 0 {
		types = nil
		for _, t := range in.MessageTypes {
			if !slices.Contains(bindingMessageTypes, t) {
				return nil, invalid(model.CodeInvalidParam, "Invalid parameter MessageTypes: unknown type %q", t)
			}
			if !slices.Contains(types, t) {
				types = append(types, t)
			}
		}
	}
	now := c.nowUTC()
	b := &model.Binding{SID: model.NewSID(model.PrefixBinding), AccountSID: svc.AccountSID, ServiceSID: svc.SID,
		UserSID: u.SID, Identity: u.Identity, Endpoint: in.Endpoint, CredentialSID: in.CredentialSID,
		BindingType: in.BindingType, MessageTypes: slices.Clone(types), DateCreated: now, DateUpdated: now}
	if err := c.store.CreateBinding(ctx, b); err != nil {
		return nil, err
	}
	return b, nil
}

// ListBindings lists a service's bindings, filtered by type and identity.
func (c *Core) ListBindings(ctx context.Context, a Actor, serviceSID string, f BindingFilter, pp PageParams) ([]model.Binding, PageInfo, error) {
	svc, err := c.service(ctx, serviceSID)
	if err != nil {
		return nil, PageInfo{}, err
	}
	return c.listBindings(ctx, svc.SID, model.BindingFilter{Identities: f.Identities, BindingTypes: f.BindingTypes}, pp)
}

// ListUserBindings lists the bindings of a user (named by SID or identity),
// filtered by type.
func (c *Core) ListUserBindings(ctx context.Context, a Actor, serviceSID, userKey string, bindingTypes []string, pp PageParams) ([]model.Binding, PageInfo, error) {
	svc, err := c.service(ctx, serviceSID)
	if err != nil {
		return nil, PageInfo{}, err
	}
	u, err := c.user(ctx, svc.SID, userKey)
	if err != nil {
		return nil, PageInfo{}, err
	}
	return c.listBindings(ctx, svc.SID, model.BindingFilter{UserSID: u.SID, BindingTypes: bindingTypes}, pp)
}

func (c *Core) listBindings(ctx context.Context, serviceSID string, f model.BindingFilter, pp PageParams) ([]model.Binding, PageInfo, error) {
	if err := checkBindingTypes(f.BindingTypes); err != nil {
		return nil, PageInfo{}, err
	}
	return listPage(shapeBindings, pp, func(pr model.PageRequest) (model.Page[model.Binding], error) {
		return c.store.ListBindings(ctx, serviceSID, f, pr)
	}, func(b *model.Binding) string { return b.SID })
}

// binding returns a binding of the service; with userKey set, it must also
// belong to that user (named by SID or identity).
func (c *Core) binding(ctx context.Context, serviceSID, userKey, sid string) (*model.Binding, error) {
	svc, err := c.service(ctx, serviceSID)
	if err != nil {
		return nil, err
	}
	userSID := ""
	if userKey != "" {
		u, err := c.user(ctx, svc.SID, userKey)
		if err != nil {
			return nil, err
		}
		userSID = u.SID
	}
	if !model.IsSID(model.PrefixBinding, sid) {
		return nil, notFound("Binding")
	}
	b, err := c.store.GetBinding(ctx, svc.SID, sid)
	if err != nil {
		return nil, err
	}
	if userSID != "" && b.UserSID != userSID {
		return nil, notFound("Binding")
	}
	return b, nil
}

// GetBinding returns a binding of a service.
func (c *Core) GetBinding(ctx context.Context, a Actor, serviceSID, sid string) (*model.Binding, error) {
	return c.binding(ctx, serviceSID, "", sid)
}

// GetUserBinding returns a binding of a user (named by SID or identity).
func (c *Core) GetUserBinding(ctx context.Context, a Actor, serviceSID, userKey, sid string) (*model.Binding, error) {
	if userKey == "" {
		return nil, notFound("User")
	}
	return c.binding(ctx, serviceSID, userKey, sid)
}

// DeleteBinding deletes a binding of a service.
func (c *Core) DeleteBinding(ctx context.Context, a Actor, serviceSID, sid string) error {
	b, err := c.binding(ctx, serviceSID, "", sid)
	if err != nil {
		return err
	}
	return c.store.DeleteBinding(ctx, b.ServiceSID, b.SID)
}

// DeleteUserBinding deletes a binding of a user (named by SID or identity).
func (c *Core) DeleteUserBinding(ctx context.Context, a Actor, serviceSID, userKey, sid string) error {
	if userKey == "" {
		return notFound("User")
	}
	b, err := c.binding(ctx, serviceSID, userKey, sid)
	if err != nil {
		return err
	}
	return c.store.DeleteBinding(ctx, b.ServiceSID, b.SID)
}
