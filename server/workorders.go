package server

// bindWorkOrders is filled in by the feature that owns these routes.
func (s *Server) bindWorkOrders() {}
