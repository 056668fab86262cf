package server

// bindReports is filled in by the feature that owns these routes.
func (s *Server) bindReports() {}
