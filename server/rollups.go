package server

import (
	"context"

	"fieldcheck/reports"
)

// startRollups checks the report rollups on start: on the first start after
// an upgrade (absent or of another format) they are rebuilt in the
// background while the field roles are served; the reports answer 503
// rollups_building (Retry-After) and /readyz names the rebuild with its
// progress until it is done. Shutdown stops it after its current batch.
func (s *Server) startRollups() error {
	r, err := reports.StartRollups(s.DB, s.Log.Info)
	if err != nil {
		return err
	}
	s.Rollups = r
	s.AddReadyCheck("rollups", r.Status)
	s.Go(func(ctx context.Context) {
		<-ctx.Done()
		r.Stop()
	})
	return nil
}

// rollupsBuilding documents the reports' 503 rollups_building (with
// Retry-After) while the rollups are rebuilt after an upgrade.
var rollupsBuilding = []int{503}
