package slacktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// pingInterval is how often the stand-in pings each connection. slack-go
// reconnects when it has seen no ping for 30s, so this stays well below.
const pingInterval = 10 * time.Second

// wsConn is one socket-mode connection. Its fields other than ws are
// guarded by Server.mu.
type wsConn struct {
	ws       *websocket.Conn
	writeMu  sync.Mutex // gorilla allows one writer at a time
	ready    bool       // hello sent; envelopes may follow
	draining bool       // told to disconnect; gets no new envelopes
}

func (c *wsConn) write(msg []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if err := c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return err
	}
	return c.ws.WriteMessage(websocket.TextMessage, msg)
}

// delivery is one envelope on its way to a connection.
type delivery struct {
	body []byte
	ack  *ackWaiter
	sent chan struct{} // closed once written to a connection
}

// send queues an envelope and delivers what it can at once.
func (s *Server) send(body []byte, envelopeID string) (*ackWaiter, *delivery) {
	ack := &ackWaiter{ch: make(chan []byte, 1), stray: make(chan string, 1)}
	d := &delivery{body: body, ack: ack, sent: make(chan struct{})}
	s.mu.Lock()
	if envelopeID != "" {
		s.acks[envelopeID] = ack
	}
	s.pending = append(s.pending, d)
	s.mu.Unlock()
	s.flush()
	return ack, d
}

// flush writes pending envelopes, oldest first, each to one ready
// connection chosen round-robin. An envelope whose write fails goes back to
// the front of the queue and the broken connection is dropped.
func (s *Server) flush() {
	for {
		s.mu.Lock()
		if len(s.pending) == 0 || s.closed {
			s.mu.Unlock()
			return
		}
		c := s.pick()
		if c == nil {
			s.mu.Unlock()
			return
		}
		d := s.pending[0]
		s.pending = s.pending[1:]
		d.ack.conn = c // before the write, so an ack racing it still finds its connection
		s.mu.Unlock()

		if err := c.write(d.body); err != nil {
			s.mu.Lock()
			d.ack.conn = nil
			s.pending = append([]*delivery{d}, s.pending...)
			s.mu.Unlock()
			s.removeConn(c)
			c.ws.Close()
			continue
		}
		close(d.sent)
	}
}

// pick returns the next ready, non-draining connection. Callers hold s.mu.
func (s *Server) pick() *wsConn {
	for range len(s.conns) {
		s.next = (s.next + 1) % len(s.conns)
		if c := s.conns[s.next]; c.ready && !c.draining {
			return c
		}
	}
	return nil
}

func (s *Server) removeConn(c *wsConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, x := range s.conns {
		if x == c {
			s.conns = append(s.conns[:i], s.conns[i+1:]...)
			return
		}
	}
}

// serveSocket is the websocket endpoint that apps.connections.open points
// to. Each ticket opens one connection.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	valid := s.tickets[ticket]
	delete(s.tickets, ticket)
	s.mu.Unlock()
	if !valid {
		http.Error(w, "invalid or used ticket", http.StatusUnauthorized)
		return
	}
	up := websocket.Upgrader{
		// slack-go sends Origin https://api.slack.com, which is not us.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered the client
	}
	c := &wsConn{ws: ws}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ws.Close()
		return
	}
	// httptest forgets hijacked connections, so Close waits on s.wg for
	// this handler instead.
	s.wg.Add(1)
	defer s.wg.Done()
	s.conns = append(s.conns, c)
	n := len(s.conns)
	s.mu.Unlock()

	defer func() {
		s.removeConn(c)
		ws.Close()
	}()
	hello, err := json.Marshal(map[string]any{
		"type":            "hello",
		"num_connections": n,
		"debug_info": map[string]any{
			"host":                        fmt.Sprintf("slacktest-%s", newID()[:8]),
			"build_number":                1,
			"approximate_connection_time": 18060,
		},
		"connection_info": map[string]any{"app_id": AppID},
	})
	if err != nil {
		return
	}
	if err := c.write(hello); err != nil {
		return
	}
	s.mu.Lock()
	c.ready = true
	s.mu.Unlock()
	s.flush()

	done := make(chan struct{})
	defer close(done)
	s.wg.Go(func() {
		t := time.NewTicker(pingInterval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(10*time.Second)) != nil {
					return
				}
			}
		}
	})

	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			return
		}
		s.onAck(c, msg)
	}
}

// onAck matches an ack ({"envelope_id":...,"payload":...}) to the envelope
// it names. An ack naming no envelope the server waits for is reported to
// the commands still waiting for an ack on the same connection.
func (s *Server) onAck(c *wsConn, msg []byte) {
	var a struct {
		EnvelopeID string `json:"envelope_id"`
		Payload    struct {
			Text         string          `json:"text"`
			ResponseType string          `json:"response_type"`
			Blocks       json.RawMessage `json:"blocks"`
		} `json:"payload"`
	}
	if json.Unmarshal(msg, &a) != nil || a.EnvelopeID == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if w, ok := s.acks[a.EnvelopeID]; ok {
		delete(s.acks, a.EnvelopeID)
		s.acked[a.EnvelopeID] = true
		w.ch <- msg // buffered; each envelope is acked once
		if cmd, ok := s.commands[a.EnvelopeID]; ok && (a.Payload.Text != "" || len(a.Payload.Blocks) > 0) {
			s.record(Message{
				Channel:   cmd.channelID,
				Text:      a.Payload.Text,
				Ephemeral: a.Payload.ResponseType != "in_channel",
				Via:       "ack",
				Blocks:    a.Payload.Blocks,
			}, cmd)
		}
		return
	}
	if s.acked[a.EnvelopeID] {
		return // a repeated ack names a known envelope
	}
	for _, w := range s.acks {
		if w.conn == c {
			select {
			case w.stray <- a.EnvelopeID:
			default:
			}
		}
	}
}
