package server

// bindCallbacks is filled in by the feature that owns these routes.
func (s *Server) bindCallbacks() {}
