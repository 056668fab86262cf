package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is a real fieldcheck server process on 127.0.0.1.
type proc struct {
	bin, data, addr string
	env             []string
	// logPath, when set, receives the server's stderr (its JSON log),
	// appended across restarts; otherwise the log is discarded.
	logPath    string
	cmd        *exec.Cmd
	logins     map[string][2]string
	mu         sync.Mutex
	maxRSS     int64
	stopSample chan struct{}
	readyWait  time.Duration // how long start waits for /readyz; 20 s when zero
	// noDemo starts without --demo: a province's data dir has its own users,
	// and the demo's history would send every SMS its outbox holds.
	noDemo bool
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startProc(bin, data string, env []string) (*proc, error) {
	p := newProc(bin, data, env)
	return p, p.start()
}

// newProc picks the port; start (and every restart after a kill) uses it.
func newProc(bin, data string, env []string) *proc {
	return &proc{bin: bin, data: data, addr: freeAddr(), env: env, logins: map[string][2]string{}}
}

func (p *proc) base() string { return "http://" + p.addr }

func (p *proc) start() error {
	args := []string{"serve", "--addr", p.addr, "--data", p.data, "--demo"}
	if p.noDemo {
		args = args[:len(args)-1]
	}
	p.cmd = exec.Command(p.bin, args...)
	p.cmd.Env = append(os.Environ(), p.env...)
	if prof := os.Getenv("FIELDLOAD_CPUPROFILE"); prof != "" {
		p.cmd.Env = append(p.cmd.Env, "FIELDCHECK_CPUPROFILE="+prof)
	}
	p.cmd.Stderr = io.Discard
	if p.logPath != "" {
		f, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return err
		}
		defer f.Close() // the child holds its own descriptor
		p.cmd.Stderr = f
	}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := p.cmd.Start(); err != nil {
		return err
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 5 && f[0] == "demo" && f[1] == "login:" {
			if _, ok := p.logins[f[2]]; !ok {
				p.logins[f[2]] = [2]string{f[3], f[4]}
			}
		}
		if strings.HasPrefix(sc.Text(), "fieldcheck listening") {
			break
		}
	}
	go io.Copy(io.Discard, out)
	probe := &http.Client{Timeout: 2 * time.Second}
	wait := p.readyWait
	if wait == 0 {
		wait = 20 * time.Second
	}
	for deadline := time.Now().Add(wait); time.Now().Before(deadline); {
		if res, err := probe.Get(p.base() + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				p.sample()
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.cmd.Process.Kill()
	p.cmd.Wait()
	return fmt.Errorf("server did not become ready within %s", wait)
}

// sample records the server's resident set size every 200 ms.
func (p *proc) sample() {
	p.stopSample = make(chan struct{})
	pid, stop := p.cmd.Process.Pid, p.stopSample
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if rss := rssOf(pid); rss > 0 {
					p.mu.Lock()
					if rss > p.maxRSS {
						p.maxRSS = rss
					}
					p.mu.Unlock()
				}
			}
		}
	}()
}

func (p *proc) resetRSS() { p.mu.Lock(); p.maxRSS = 0; p.mu.Unlock() }
func (p *proc) peakRSS() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.maxRSS
}

// stopSampling ends the RSS sampler of the current process, once.
func (p *proc) stopSampling() {
	if p.stopSample != nil {
		close(p.stopSample)
		p.stopSample = nil
	}
}

// kill is SIGKILL: no shutdown, no flush — what a power cut does.
func (p *proc) kill() {
	p.stopSampling()
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
}

func (p *proc) stop() {
	p.stopSampling()
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
	}
}

// rssOf reads VmRSS (bytes) from /proc.
func rssOf(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}
