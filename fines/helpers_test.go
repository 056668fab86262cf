package fines

import (
	"encoding/json"
	"slices"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func contains(list []string, s string) bool { return slices.Contains(list, s) }
