// Command photobench times fieldcheck's photo upload pipeline on a 12 MP
// phone JPEG against libvips' vipsthumbnail making the same two renditions
// (1600 px medium, 320 px thumb) of the same file, in the same run,
// interleaved so both see the same machine load. It prints wall and CPU
// (user+sys) milliseconds, medians, and the ratio go ÷ vips. Without
// vipsthumbnail on PATH it prints the Go figures and says so.
//
//	go run ./photos/cmd/photobench [-n 7] [-in photo.jpg] [-s3]
//
// With -s3 it also runs the same uploads into an S3 bucket — a versitygw
// (posix backend, temp dir) it starts on 127.0.0.1 — through the same
// Service with S3Objects, interleaved with the local ones: PUT → renditions
// against the local disk and against S3 on the same machine.
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
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"fieldcheck/photos"
	"fieldcheck/photos/internal/synth"
	"fieldcheck/store"
)

func main() {
	n := flag.Int("n", 7, "iterations")
	in := flag.String("in", "", "a JPEG to use instead of the synthetic 4000×3000 one")
	withS3 := flag.Bool("s3", false, "also upload into a local versitygw bucket and compare")
	flag.Parse()
	if err := run(*n, *in, *withS3); err != nil {
		fmt.Fprintln(os.Stderr, "photobench:", err)
		os.Exit(1)
	}
}

type sample struct{ wall, cpu time.Duration }

func run(n int, in string, withS3 bool) error {
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

	var s3svc *photos.Service
	if withS3 {
		obj, stop, err := startBucket(dir)
		if err != nil {
			return err
		}
		defer stop()
		db2, err := store.Open(filepath.Join(dir, "data-s3"))
		if err != nil {
			return err
		}
		defer db2.Close()
		if s3svc, err = photos.New(db2, photos.Config{Objects: obj}); err != nil {
			return err
		}
	}
	var s3S []sample

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
		if s3svc != nil {
			c0, t0 := cpuSelf(), time.Now()
			if _, _, err := s3svc.Put(context.Background(), hex.EncodeToString(sum[:]), b, "bench", time.Now()); err != nil {
				return fmt.Errorf("s3: %w", err)
			}
			s3S = append(s3S, sample{time.Since(t0), cpuSelf() - c0})
		}

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
	if len(s3S) > 0 {
		s3m := median(s3S)
		fmt.Printf("same into S3:  %6.1f ms wall  %6.1f ms cpu per photo (median; versitygw on 127.0.0.1, its CPU not counted)\n", ms(s3m.wall), ms(s3m.cpu))
		fmt.Printf("ratio s3/local:%6.2f× wall\n", ms(s3m.wall)/ms(g.wall))
	}
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

// startBucket runs versitygw (PATH or $(go env GOPATH)/bin; make test
// installs it) with a posix bucket in dir, on a free loopback port.
func startBucket(dir string) (*photos.S3Objects, func(), error) {
	bin, err := exec.LookPath("versitygw")
	if err != nil {
		gopath, _ := exec.Command("go", "env", "GOPATH").Output()
		bin = filepath.Join(strings.Split(strings.TrimSpace(string(gopath)), ":")[0], "bin", "versitygw")
		if _, err := os.Stat(bin); err != nil {
			return nil, nil, fmt.Errorf("-s3 needs versitygw (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0)")
		}
	}
	root := filepath.Join(dir, "bucket-root")
	if err := os.MkdirAll(filepath.Join(root, "bench"), 0o755); err != nil {
		return nil, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "-a", "bench", "-s", "bench-secret", "--port", addr, "posix", root)
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	stop := func() { cmd.Process.Kill(); cmd.Wait() }
	for i := 0; ; i++ {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			break
		}
		if i > 100 {
			stop()
			return nil, nil, fmt.Errorf("versitygw did not start on %s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	obj, err := photos.NewS3(photos.S3Config{URL: "http://" + addr + "/bench", AccessKey: "bench", SecretKey: "bench-secret", Node: "bench"})
	if err != nil {
		stop()
		return nil, nil, err
	}
	return obj, stop, nil
}
