// Command photobench times fieldcheck's photo upload pipeline on a 12 MP
// phone JPEG against libvips' vipsthumbnail making the same two renditions
// (1600 px medium, 320 px thumb) of the same file, in the same run,
// interleaved so both see the same machine load. It prints wall and CPU
// (user+sys) milliseconds, medians, and the ratio go ÷ vips. Without
// vipsthumbnail on PATH it prints the Go figures and says so.
//
//	go run ./photos/cmd/photobench [-n 7] [-in photo.jpg]
//
// The Go side is the whole upload (sha256 check, header check, decode,
// EXIF, renditions, dHash, original written with fsync, bbolt commit); the
// vips side is two processes that only decode, shrink and encode. Go
// decodes once for both renditions; vips decodes (at a reduced scale) twice.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"fieldcheck/photos"
	"fieldcheck/photos/internal/synth"
	"fieldcheck/store"
)

func main() {
	n := flag.Int("n", 7, "iterations")
	in := flag.String("in", "", "a JPEG to use instead of the synthetic 4000×3000 one")
	flag.Parse()
	if err := run(*n, *in); err != nil {
		fmt.Fprintln(os.Stderr, "photobench:", err)
		os.Exit(1)
	}
}

type sample struct{ wall, cpu time.Duration }

func run(n int, in string) error {
	dir, err := os.MkdirTemp("", "photobench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	var body []byte
	if in != "" {
		if body, err = os.ReadFile(in); err != nil {
			return err
		}
	} else {
		body = synth.JPEG(synth.Photo(4000, 3000, 12), 90,
			synth.EXIFSegment(synth.EXIF{Orientation: 6, DateTimeOriginal: "2026:11:20 10:15:00"}))
	}
	src := filepath.Join(dir, "photo.jpg")
	if err := os.WriteFile(src, body, 0o644); err != nil {
		return err
	}
	db, err := store.Open(filepath.Join(dir, "data"))
	if err != nil {
		return err
	}
	defer db.Close()
	svc, err := photos.New(db, photos.Config{})
	if err != nil {
		return err
	}

	vips, _ := exec.LookPath("vipsthumbnail")
	fmt.Printf("photo: %d bytes, 12 MP JPEG; %d iterations\n", len(body), n)
	var goS, vipsS []sample
	for i := 0; i < n; i++ {
		// A comment segment makes each upload a new photo with the same pixels.
		b := synth.Splice(body, 0xFE, binary.BigEndian.AppendUint64(nil, uint64(i)))
		sum := sha256.Sum256(b)
		c0, t0 := cpuSelf(), time.Now()
		if _, _, err := svc.Put(context.Background(), hex.EncodeToString(sum[:]), b, "bench", time.Now()); err != nil {
			return err
		}
		goS = append(goS, sample{time.Since(t0), cpuSelf() - c0})

		if vips != "" {
			var s sample
			for _, r := range []struct {
				size, q string
			}{{"1600", "82"}, {"320", "80"}} {
				cmd := exec.Command(vips, src, "--size", r.size, "-o", filepath.Join(dir, "v"+r.size+"_%s.jpg[Q="+r.q+"]"))
				cmd.Stderr = os.Stderr
				t := time.Now()
				if err := cmd.Run(); err != nil {
					return fmt.Errorf("vipsthumbnail: %w", err)
				}
				s.wall += time.Since(t)
				s.cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			}
			vipsS = append(vipsS, s)
		}
	}
	g := median(goS)
	fmt.Printf("go pipeline:   %6.1f ms wall  %6.1f ms cpu per photo (median)\n", ms(g.wall), ms(g.cpu))
	if vips == "" {
		fmt.Println("vipsthumbnail not on PATH (apt-get install -y libvips-tools); no ratio")
		return nil
	}
	v := median(vipsS)
	fmt.Printf("vipsthumbnail: %6.1f ms wall  %6.1f ms cpu for medium + thumb (median)\n", ms(v.wall), ms(v.cpu))
	fmt.Printf("ratio go/vips: %6.2f× wall  %6.2f× cpu\n", ms(g.wall)/ms(v.wall), ms(g.cpu)/ms(v.cpu))
	return nil
}

func median(s []sample) sample {
	w := make([]time.Duration, len(s))
	c := make([]time.Duration, len(s))
	for i := range s {
		w[i], c[i] = s[i].wall, s[i].cpu
	}
	slices.Sort(w)
	slices.Sort(c)
	return sample{w[len(w)/2], c[len(c)/2]}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// cpuSelf is this process's user+sys time so far (GC included).
func cpuSelf() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
