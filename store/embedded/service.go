package embedded

import (
	"context"

	"github.com/parleychat/parley/model"
)

// needService returns KindNotFound unless service svc exists.
func (r *rtx) needService(svc string) error {
	if !r.has(bServices, key(svc)) {
		return notFound()
	}
	return nil
}

// CreateService implements model.Store. The roles are stored under the
// service whatever their ServiceSID says.
func (s *Store) CreateService(ctx context.Context, svc *model.Service, roles []model.Role) error {
	return s.update(ctx, func(w *wtx) error {
		if err := w.insert(bServices, key(svc.SID), svc); err != nil {
			return err
		}
		for _, r := range roles {
			r.ServiceSID = svc.SID
			if err := w.insert(bRoles, key(svc.SID, r.SID), &r); err != nil {
				return err
			}
		}
		return nil
	})
}

// GetService implements model.Store.
func (s *Store) GetService(ctx context.Context, sid string) (*model.Service, error) {
	return get[model.Service](s, ctx, bServices, key(sid))
}

// ListServices implements model.Store.
func (s *Store) ListServices(ctx context.Context, p model.PageRequest) (model.Page[model.Service], error) {
	return list[model.Service](s, ctx, bServices, nil, p, nil)
}

// UpdateService implements model.Store.
func (s *Store) UpdateService(ctx context.Context, sid string, fn func(*model.Service) error) (*model.Service, error) {
	return modify(s, ctx, bServices, key(sid), fn, func(_ *wtx, old, cur *model.Service) error {
		cur.SID, cur.AccountSID = old.SID, old.AccountSID
		return nil
	})
}

// DeleteService implements model.Store: everything under the service goes,
// in one transaction.
func (s *Store) DeleteService(ctx context.Context, sid string) error {
	return s.update(ctx, func(w *wtx) error {
		if err := w.remove(bServices, key(sid)); err != nil {
			return err
		}
		prefix := key(sid, "")
		for _, b := range serviceBuckets {
			if err := w.delPrefix(b, prefix); err != nil {
				return err
			}
		}
		return nil
	})
}

// CreateRole implements model.Store. The service must exist (KindNotFound).
func (s *Store) CreateRole(ctx context.Context, r *model.Role) error {
	return s.update(ctx, func(w *wtx) error {
		if err := w.needService(r.ServiceSID); err != nil {
			return err
		}
		return w.insert(bRoles, key(r.ServiceSID, r.SID), r)
	})
}

// GetRole implements model.Store.
func (s *Store) GetRole(ctx context.Context, serviceSID, sid string) (*model.Role, error) {
	return get[model.Role](s, ctx, bRoles, key(serviceSID, sid))
}

// ListRoles implements model.Store. A missing service gives KindNotFound.
func (s *Store) ListRoles(ctx context.Context, serviceSID string, p model.PageRequest) (model.Page[model.Role], error) {
	var out model.Page[model.Role]
	err := s.view(ctx, func(r *rtx) (err error) {
		if err := r.needService(serviceSID); err != nil {
			return err
		}
		out, err = listBucket[model.Role](r, bRoles, key(serviceSID, ""), p, nil)
		return err
	})
	return out, err
}

// UpdateRole implements model.Store.
func (s *Store) UpdateRole(ctx context.Context, serviceSID, sid string, fn func(*model.Role) error) (*model.Role, error) {
	return modify(s, ctx, bRoles, key(serviceSID, sid), fn, func(_ *wtx, old, cur *model.Role) error {
		cur.SID, cur.AccountSID, cur.ServiceSID, cur.Type = old.SID, old.AccountSID, old.ServiceSID, old.Type
		return nil
	})
}

// DeleteRole implements model.Store.
func (s *Store) DeleteRole(ctx context.Context, serviceSID, sid string) error {
	return s.update(ctx, func(w *wtx) error { return w.remove(bRoles, key(serviceSID, sid)) })
}
