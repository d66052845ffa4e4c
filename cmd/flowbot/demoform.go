package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/flowbot/flowbot/integrations/slack/slacktest"
)

// formField is one input block of a modal as the demo shows and fills it.
type formField struct {
	block, label, hint, kind string // kind: the element's type
	optional                 bool
	options                  []string // of a select: the values to pick from
	value                    []string // a text's value is one string; a multi-select's, each option
}

// form is a modal the bot opened on the Slack stand-in (views.open), with
// the values a person has set so far.
type form struct {
	viewID, title, submit string
	fields                []*formField
	// layout is the view's blocks in order: a field, or a block that is
	// not an input (text to read).
	layout []formBlock
}

type formBlock struct {
	field *formField
	other json.RawMessage
}

// readForm reads the view opened as viewID from the stand-in.
func readForm(srv *slacktest.Server, viewID string) (*form, error) {
	i := slices.IndexFunc(srv.OpenedViews(), func(v slacktest.OpenedView) bool { return v.ID == viewID })
	if i < 0 {
		return nil, fmt.Errorf("the Slack stand-in opened no view %q", viewID)
	}
	var v struct {
		Title  blockText         `json:"title"`
		Submit blockText         `json:"submit"`
		Blocks []json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(srv.OpenedViews()[i].View, &v); err != nil {
		return nil, fmt.Errorf("reading the opened view: %w", err)
	}
	f := &form{viewID: viewID, title: v.Title.Text, submit: v.Submit.Text}
	type option struct {
		Value string `json:"value"`
	}
	for _, raw := range v.Blocks {
		var b struct {
			Type     string     `json:"type"`
			BlockID  string     `json:"block_id"`
			Label    blockText  `json:"label"`
			Hint     *blockText `json:"hint"`
			Optional bool       `json:"optional"`
			Element  struct {
				Type                string   `json:"type"`
				InitialValue        string   `json:"initial_value"`
				InitialOptions      []option `json:"initial_options"`
				InitialOption       *option  `json:"initial_option"`
				InitialConversation string   `json:"initial_conversation"`
				Options             []option `json:"options"`
			} `json:"element"`
		}
		if err := json.Unmarshal(raw, &b); err != nil {
			return nil, fmt.Errorf("reading the opened view: %w", err)
		}
		if b.Type != "input" {
			f.layout = append(f.layout, formBlock{other: raw})
			continue
		}
		fd := &formField{block: b.BlockID, label: b.Label.Text, kind: b.Element.Type, optional: b.Optional}
		if b.Hint != nil {
			fd.hint = b.Hint.Text
		}
		for _, o := range b.Element.Options {
			fd.options = append(fd.options, o.Value)
		}
		switch {
		case b.Element.InitialValue != "":
			fd.value = []string{b.Element.InitialValue}
		case b.Element.InitialConversation != "":
			fd.value = []string{b.Element.InitialConversation}
		case b.Element.InitialOption != nil:
			fd.value = []string{b.Element.InitialOption.Value}
		}
		for _, o := range b.Element.InitialOptions {
			fd.value = append(fd.value, o.Value)
		}
		f.fields = append(f.fields, fd)
		f.layout = append(f.layout, formBlock{field: fd})
	}
	return f, nil
}

func (fd *formField) multi() bool { return strings.HasPrefix(fd.kind, "multi_") }

// shown is the field's value as the form shows it.
func (fd *formField) shown() string {
	if len(fd.value) == 0 {
		return "—"
	}
	if fd.multi() {
		return strings.Join(fd.value, ", ")
	}
	return strings.ReplaceAll(fd.value[0], "\n", ", ")
}

// print draws the form: its title, its text, and each field with the name
// to set it by, its label, its value and what may be picked.
func (f *form) print(w io.Writer, ansi bool) {
	bold, dim, reset := "", "", ""
	if ansi {
		bold, dim, reset = "\x1b[1m", "\x1b[2m", "\x1b[0m"
	}
	fmt.Fprintf(w, "┌─ %s%s%s (a form Slack shows over the channel; opened with views.open)\n", bold, f.title, reset)
	width := 0
	for _, fd := range f.fields {
		width = max(width, len(fd.block))
	}
	lastOpts := ""
	for _, it := range f.layout {
		fd := it.field
		if fd == nil {
			raw, _ := json.Marshal([]json.RawMessage{it.other})
			if out, ok := renderBlocks(raw, ansi); ok {
				for _, line := range strings.Split(out, "\n") {
					fmt.Fprintf(w, "│ %s\n", line)
				}
			}
			continue
		}
		fmt.Fprintf(w, "│ %-*s  %s: %s\n", width, fd.block, fd.label, fd.shown())
		var notes []string
		if fd.hint != "" {
			notes = append(notes, strings.TrimSuffix(fd.hint, "."))
		}
		if len(fd.options) > 0 {
			opts := strings.Join(fd.options, ", ")
			if opts == lastOpts {
				notes = append(notes, "pick from the same as above")
			} else {
				notes = append(notes, "pick from: "+opts)
			}
			lastOpts = opts
		}
		if fd.kind == "conversations_select" {
			notes = append(notes, "a channel ID")
		}
		if len(notes) > 0 {
			fmt.Fprintf(w, "│ %-*s  %s%s%s\n", width, "", dim, strings.Join(notes, "; "), reset)
		}
	}
	fmt.Fprintf(w, "└─ Set a field with field=value (lists comma-separated; field= clears it). An empty line presses %q; \"cancel\" closes the form.\n", f.submit)
}

// set applies one field=value line, or says what is wrong with it.
func (f *form) set(line string) error {
	name, value, ok := strings.Cut(line, "=")
	if !ok {
		return fmt.Errorf("say field=value, e.g. wip_limit=5; or an empty line to press %q, or cancel", f.submit)
	}
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	i := slices.IndexFunc(f.fields, func(fd *formField) bool { return fd.block == name })
	if i < 0 {
		names := make([]string, len(f.fields))
		for j, fd := range f.fields {
			names[j] = fd.block
		}
		return fmt.Errorf("the form has no field %q; it has: %s", name, strings.Join(names, ", "))
	}
	fd := f.fields[i]
	if value == "" {
		fd.value = nil
		return nil
	}
	if !fd.multi() && len(fd.options) == 0 {
		// A text that takes a list (repositories) takes one a line, as typed in Slack.
		if strings.HasSuffix(fd.kind, "_text_input") && strings.Contains(fd.hint, "per line") {
			value = strings.Join(splitList(value), "\n")
		}
		fd.value = []string{value}
		return nil
	}
	var picked []string
	for _, v := range splitList(value) {
		j := slices.IndexFunc(fd.options, func(o string) bool { return strings.EqualFold(o, v) })
		if j < 0 {
			return fmt.Errorf("%s: %q is not one of the options: %s", fd.block, v, strings.Join(fd.options, ", "))
		}
		picked = append(picked, fd.options[j])
	}
	if !fd.multi() && len(picked) > 1 {
		return fmt.Errorf("%s takes one option", fd.block)
	}
	fd.value = picked
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// state is the form's values as Slack reports a modal's state in a
// view_submission: block_id -> action_id -> the element's value. Every
// input is there, set or not, as in Slack.
func (f *form) state() map[string]map[string]any {
	st := map[string]map[string]any{}
	opt := func(v string) map[string]any {
		return map[string]any{"value": v, "text": map[string]any{"type": "plain_text", "text": v, "emoji": true}}
	}
	for _, fd := range f.fields {
		el := map[string]any{"type": fd.kind}
		var one any // Slack sends null for an input left empty
		if len(fd.value) > 0 {
			one = fd.value[0]
		}
		switch {
		case fd.multi():
			opts := []any{}
			for _, v := range fd.value {
				opts = append(opts, opt(v))
			}
			el["selected_options"] = opts
		case fd.kind == "conversations_select":
			el["selected_conversation"] = one
		case fd.kind == "channels_select":
			el["selected_channel"] = one
		case fd.kind == "users_select":
			el["selected_user"] = one
		case len(fd.options) > 0:
			if one != nil {
				el["selected_option"] = opt(one.(string))
			} else {
				el["selected_option"] = nil
			}
		default:
			el["value"] = one
		}
		st[fd.block] = map[string]any{"value": el}
	}
	return st
}

// fillForm lets the person fill in the modal the bot opened, from lines
// read by sc, and submits it through the Slack stand-in as a
// view_submission, as Slack does when Save is pressed. Problems the bot
// reports (response_action errors) are shown on their fields and the form
// stays open; a saved form shows what the bot put in its place. It
// reports false when the input ended.
func fillForm(ctx context.Context, sc *bufio.Scanner, stdout io.Writer, srv *slacktest.Server, viewID string, interactive bool) (bool, error) {
	f, err := readForm(srv, viewID)
	if err != nil {
		return true, err
	}
	f.print(stdout, interactive)
	for {
		if interactive {
			fmt.Fprint(stdout, "\nform › ")
		}
		if !sc.Scan() {
			if interactive {
				fmt.Fprintln(stdout)
			}
			fmt.Fprintln(stdout, "(the input ended: the form is closed without saving)")
			return false, sc.Err()
		}
		line := strings.TrimSpace(sc.Text())
		if !interactive {
			fmt.Fprintf(stdout, "form › %s\n", line)
		}
		switch {
		case strings.HasPrefix(line, "#"):
			continue
		case line == "cancel":
			fmt.Fprintln(stdout, "(form closed without saving)")
			return true, nil
		case line != "":
			if err := f.set(line); err != nil {
				fmt.Fprintln(stdout, "  "+err.Error())
			}
			continue
		}
		done, err := f.submitOnce(ctx, stdout, srv, interactive)
		if err != nil || done {
			return true, err
		}
	}
}

// submitOnce sends the form and shows the bot's answer. done is false when
// the bot kept the form open with problems.
func (f *form) submitOnce(ctx context.Context, stdout io.Writer, srv *slacktest.Server, interactive bool) (done bool, err error) {
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	raw, err := srv.SubmitView(cctx, demoUser, f.viewID, f.state())
	cancel()
	if err != nil {
		return true, fmt.Errorf("submitting the form: %w", err)
	}
	var ack struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
		View           *struct {
			Title  blockText       `json:"title"`
			Blocks json.RawMessage `json:"blocks"`
		} `json:"view"`
	}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &ack); err != nil {
			return true, fmt.Errorf("reading the answer to the form: %w", err)
		}
	}
	switch ack.ResponseAction {
	case "errors":
		fmt.Fprintf(stdout, "Not saved; the form stays open with %d problem(s):\n", len(ack.Errors))
		for _, fd := range f.fields {
			if msg, ok := ack.Errors[fd.block]; ok {
				fmt.Fprintf(stdout, "  ✗ %s (%s): %s\n", fd.block, fd.label, msg)
			}
		}
		fmt.Fprintln(stdout, "Fix them with field=value lines; an empty line saves again, \"cancel\" closes the form.")
		return false, nil
	case "update", "push":
		title := ""
		if ack.View != nil {
			title = ack.View.Title.Text
		}
		fmt.Fprintf(stdout, "┌─ %s\n", title)
		if ack.View != nil {
			if out, ok := renderBlocks(ack.View.Blocks, interactive); ok {
				for _, line := range strings.Split(out, "\n") {
					fmt.Fprintf(stdout, "│ %s\n", line)
				}
			}
		}
		fmt.Fprintln(stdout, "└─")
		return true, nil
	}
	fmt.Fprintln(stdout, "(the bot closed the form)")
	return true, nil
}
