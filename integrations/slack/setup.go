package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/flowbot/flowbot/bot"
	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/coach"
)

// SetupHandler changes teams' settings from Slack; bot.Setup implements
// it. A Handler that also implements it answers `/flow setup` (a modal)
// and `/flow settings history`.
type SetupHandler interface {
	MayChange(user string, workspaceAdmin bool) bool
	Form(ctx context.Context, id, channel string) (bot.SetupForm, error)
	Save(ctx context.Context, user string, sub bot.SetupSubmission) (bot.SaveResult, error)
	HistoryAnswer(ctx context.Context, id string) (bot.Reply, error)
}

// SetupCallbackID names the setup modal in view_submission payloads.
const SetupCallbackID = "flowbot_setup"

// Block ids of the setup modal, named after the configuration's keys.
// Stage i's blocks are stage_<i>_name, stage_<i>_active, stage_<i>_wait,
// stage_<i>_done and stage_<i>_wip_limit.
const (
	blockID           = "id"
	blockName         = "name"
	blockChannel      = "channel"
	blockJQL          = "jql"
	blockRepos        = "repos"
	blockWIPLimit     = "wip_limit"
	blockTimezone     = "timezone"
	blockWorkingDays  = "working_days"
	blockWorkingHours = "working_hours"
	blockHolidays     = "holidays"
	blockFlowCheck    = "flow_check"
	blockStandup      = "standup"
	blockDigest       = "digest"
	blockStalledAfter = "stalled_after"
	blockBlockedAfter = "blocked_after"
	blockRepeatEvery  = "repeat_every"
	blockMaxPoints    = "max_points"
	blockMaxPRLines   = "max_pr_lines"
	actionValue       = "value" // every input's action_id
)

// fieldBlocks are the blocks of the fields bot.FieldProblem names (as
// config.Diff does), but for the stages' (stageField) and the id's.
var fieldBlocks = map[string]string{
	"name":                 blockName,
	"channel":              blockChannel,
	"jira.jql":             blockJQL,
	"github.repos":         blockRepos,
	"github.max_pr_lines":  blockMaxPRLines,
	"wip_limit":            blockWIPLimit,
	"timezone":             blockTimezone,
	"working_days":         blockWorkingDays,
	"working_hours":        blockWorkingHours,
	"holidays":             blockHolidays,
	"schedules.flow_check": blockFlowCheck,
	"schedules.standup":    blockStandup,
	"schedules.digest":     blockDigest,
	"stalled_after":        blockStalledAfter,
	"blocked_after":        blockBlockedAfter,
	"repeat_every":         blockRepeatEvery,
	"max_points":           blockMaxPoints,
}

// Slack's max_length of the short text inputs: room for any valid value,
// so an initial value is never refused.
const (
	maxScheduleLen = 100
	maxDurationLen = 12
	maxHoursLen    = 20
	maxHolidaysLen = 3000 // Slack's most; some 270 dates, one a line
)

// Stages the modal shows: the team's, and spare ones to add, within
// maxStageRows.
const (
	spareStages  = 2
	minStageRows = 3
	maxStageRows = 8
	// maxOptions is Slack's limit of options in a select; with more
	// statuses (or none known) the stages take statuses as text.
	maxOptions = 100
	// submitTimeout keeps a submission's answer inside the 3 seconds
	// Slack waits for the ack.
	submitTimeout = 2500 * time.Millisecond
)

var weekdays = []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// setupMetadata travels in the modal's private_metadata.
type setupMetadata struct {
	Team     string `json:"team,omitempty"`
	New      bool   `json:"new,omitempty"`
	Revision int64  `json:"rev"`
	Stages   int    `json:"stages"`
}

// routeAdmin answers `/flow setup` and `/flow settings ...` when the
// handler can, reporting whether cmd was one of them. They are answered
// here rather than by the handler: setup opens a modal with the command's
// trigger_id, and both ask Slack whether the user is a workspace admin.
func (c *Client) routeAdmin(ctx context.Context, cmd slackapi.SlashCommand, wg *sync.WaitGroup) bool {
	h, ok := c.handler.(SetupHandler)
	if !ok || cmd.Command != c.command {
		return false
	}
	ac, ok, err := bot.ParseAdminCommand(cmd.Text)
	if !ok {
		return false
	}
	wg.Go(func() { c.adminCommand(ctx, h, cmd, ac, err) })
	return true
}

func (c *Client) adminCommand(ctx context.Context, h SetupHandler, cmd slackapi.SlashCommand, ac bot.AdminCommand, parseErr error) {
	attrs := []any{"channel", cmd.ChannelID, "user", cmd.UserID, "command", firstWord(cmd.Text)}
	reply := func(r bot.Reply) {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deliveryTimeout)
		defer cancel()
		out := outgoing{text: clip(r.Text, maxFallbackText)}
		if r.Message != nil {
			out.blocks = layout(r.Message, chartRef{})
		}
		if _, err := c.deliver(dctx, cmd, out); err != nil {
			c.log.Error("admin command answer not delivered", append(attrs, "err", err)...)
		}
	}
	if parseErr != nil {
		reply(bot.Reply{Text: parseErr.Error()})
		return
	}
	if !h.MayChange(cmd.UserID, c.workspaceAdmin(ctx, cmd.UserID)) {
		c.log.Info("admin command refused", attrs...)
		reply(bot.Reply{Text: bot.RefusedText})
		return
	}
	switch ac.Name {
	case "history":
		r, err := h.HistoryAnswer(ctx, ac.Team)
		if err != nil {
			c.log.Error("settings history failed", append(attrs, "err", err)...)
			r = bot.Reply{Text: "Sorry, I could not read the settings history; it has been logged. Please try again in a minute."}
		}
		reply(r)
	case "setup":
		form, err := h.Form(ctx, ac.Team, cmd.ChannelID)
		if err != nil {
			c.log.Error("opening setup form failed", append(attrs, "err", err)...)
			reply(bot.Reply{Text: "Sorry, I could not open the setup form; it has been logged. Please try again in a minute."})
			return
		}
		if _, err := c.api.OpenViewContext(ctx, cmd.TriggerID, SetupView(form)); err != nil {
			c.log.Error("views.open failed", append(attrs, "err", err)...)
			reply(bot.Reply{Text: "Sorry, Slack did not open the setup form (" + err.Error() + "). Please run the command again."})
			return
		}
		c.log.Info("setup form opened", append(attrs, "team", form.Settings.ID, "new", form.New)...)
	}
}

// workspaceAdmin asks users.info whether user is a workspace admin or
// owner. When Slack cannot say, the user is taken not to be one.
func (c *Client) workspaceAdmin(ctx context.Context, user string) bool {
	u, err := c.api.GetUserInfoContext(ctx, user)
	if err != nil {
		c.log.Warn("users.info failed; not taking the user for a workspace admin", "user", user, "err", err)
		return false
	}
	return u.IsAdmin || u.IsOwner || u.IsPrimaryOwner
}

// onViewSubmission answers the setup modal's submission in its ack,
// reporting whether evt was one: errors on the blocks they are about, or
// the modal updated to list the changes saved.
func (c *Client) onViewSubmission(ctx context.Context, sm *socketmode.Client, evt socketmode.Event) bool {
	cb, ok := evt.Data.(slackapi.InteractionCallback)
	if !ok || evt.Request == nil || cb.Type != slackapi.InteractionTypeViewSubmission || cb.View.CallbackID != SetupCallbackID {
		return false
	}
	h, ok := c.handler.(SetupHandler)
	if !ok {
		return false
	}
	sctx, cancel := context.WithTimeout(ctx, submitTimeout)
	defer cancel()
	resp := c.submitSetup(sctx, h, cb)
	if err := sm.AckCtx(ctx, evt.Request.EnvelopeID, resp); err != nil && ctx.Err() == nil {
		c.log.Warn("acking setup submission", "envelope_id", evt.Request.EnvelopeID, "err", err)
	}
	return true
}

// submitSetup checks and saves a submission, returning the ack's payload.
func (c *Client) submitSetup(ctx context.Context, h SetupHandler, cb slackapi.InteractionCallback) *slackapi.ViewSubmissionResponse {
	var meta setupMetadata
	if err := json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta); err != nil {
		c.log.Warn("setup submission with unreadable metadata", "user", cb.User.ID, "err", err)
		return errorsResponse(map[string]string{blockName: "This form is out of date; close it and run /flow setup again."})
	}
	general := blockName
	if meta.New {
		general = blockID
	}
	if !h.MayChange(cb.User.ID, c.workspaceAdmin(ctx, cb.User.ID)) {
		c.log.Info("setup submission refused", "user", cb.User.ID, "team", meta.Team)
		return errorsResponse(map[string]string{general: plainText(bot.RefusedText)})
	}
	sub, errs := readSetup(cb.View.State, meta)
	if len(errs) > 0 {
		return errorsResponse(errs)
	}
	res, err := h.Save(ctx, cb.User.ID, sub)
	if err != nil {
		c.log.Error("saving settings failed", "user", cb.User.ID, "team", sub.Settings.ID, "err", err)
		return errorsResponse(map[string]string{general: "Sorry, the settings could not be saved just now (it has been logged); try Save again in a minute."})
	}
	if len(res.Problems) > 0 {
		return errorsResponse(problemBlocks(res.Problems, meta.Stages, general))
	}
	return &slackapi.ViewSubmissionResponse{ResponseAction: slackapi.RAUpdate, View: savedView(res)}
}

// savedView replaces the form once it is saved: what changed, in effect
// now.
func savedView(res bot.SaveResult) *slackapi.ModalViewRequest {
	return &slackapi.ModalViewRequest{
		Type:   slackapi.VTModal,
		Title:  plain("Settings saved"),
		Close:  plain("Done"),
		Blocks: slackapi.Blocks{BlockSet: []slackapi.Block{slackapi.NewSectionBlock(mrkdwn(clip(savedText(res), maxSectionText)), nil, nil)}},
	}
}

func errorsResponse(errs map[string]string) *slackapi.ViewSubmissionResponse {
	return slackapi.NewErrorsViewSubmissionResponse(errs)
}

// plainText drops mrkdwn backticks: modal errors are plain text.
func plainText(s string) string { return strings.ReplaceAll(s, "`", "") }

func savedText(res bot.SaveResult) string {
	if len(res.Changes) == 0 {
		return fmt.Sprintf("Nothing changed in team `%s`'s settings.", res.Team)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Saved team `%s`'s settings (revision %d), in effect now:", res.Team, res.Revision)
	for _, ch := range res.Changes {
		old, nw := ch.Old, ch.New
		if old == "" {
			old = "(none)"
		}
		if nw == "" {
			nw = "(none)"
		}
		fmt.Fprintf(&b, "\n• `%s`: %s → %s", ch.Path, old, nw)
	}
	b.WriteString("\n`/flow settings history` lists every change.")
	return b.String()
}

var stageField = regexp.MustCompile(`^stages\[(\d+)\](?:\.(name|active|wait|done|wip_limit))?$`)

// problemBlocks puts each problem on the block of its field; problems of
// no field of the form go on general.
func problemBlocks(ps []bot.FieldProblem, stages int, general string) map[string]string {
	errs := map[string]string{}
	for _, p := range ps {
		block := general
		msg := p.Message
		b, known := fieldBlocks[p.Field]
		switch {
		case p.Field == "id":
			block = blockID
			if general != blockID {
				block = general
			}
		case known:
			block = b
		default:
			if m := stageField.FindStringSubmatch(p.Field); m != nil {
				i, _ := strconv.Atoi(m[1])
				part := m[2]
				if part == "" {
					part = "name"
				}
				if i < stages {
					block = fmt.Sprintf("stage_%d_%s", i, part)
				}
			} else if p.Field != "" {
				msg = p.Field + ": " + msg
			}
		}
		msg = plainText(msg)
		if prev, ok := errs[block]; ok {
			msg = prev + "; " + msg
		}
		errs[block] = msg
	}
	return errs
}

// readSetup reads a submitted setup modal. errs holds what cannot be read
// at all (a WIP limit that is not a whole number, working time that is not
// 5d or 36h, with the file's words); everything else is checked by the
// handler.
func readSetup(state *slackapi.ViewState, meta setupMetadata) (bot.SetupSubmission, map[string]string) {
	val := func(block string) slackapi.BlockAction {
		if state == nil {
			return slackapi.BlockAction{}
		}
		return state.Values[block][actionValue]
	}
	text := func(block string) string { return strings.TrimSpace(val(block).Value) }
	list := func(block string) []string {
		a := val(block)
		var out []string
		for _, o := range a.SelectedOptions {
			out = append(out, o.Value)
		}
		for _, s := range strings.FieldsFunc(a.Value, func(r rune) bool { return r == ',' || r == '\n' }) {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	errs := map[string]string{}
	number := func(block, msg string) int {
		w := text(block)
		if w == "" {
			return 0
		}
		n, err := strconv.Atoi(w)
		if err != nil {
			errs[block] = fmt.Sprintf("%q is not a whole number%s", w, msg)
		}
		return n
	}
	work := func(block string) config.WorkDuration {
		d, err := config.ParseWorkDuration(text(block))
		if err != nil {
			errs[block] = err.Error()
		}
		return d
	}
	sub := bot.SetupSubmission{New: meta.New, Team: meta.Team, Revision: meta.Revision}
	s := &sub.Settings
	s.ID = meta.Team
	if meta.New {
		s.ID = text(blockID)
		sub.Team = s.ID
	}
	s.Name = text(blockName)
	s.Channel = val(blockChannel).SelectedConversation
	s.JQL = text(blockJQL)
	s.Repos = list(blockRepos)
	for i := range meta.Stages {
		p := fmt.Sprintf("stage_%d_", i)
		st := config.Stage{Name: text(p + "name"), Active: list(p + "active"), Wait: list(p + "wait"), Done: list(p + "done")}
		if st.Name == "" && len(st.Active)+len(st.Wait)+len(st.Done) == 0 && text(p+"wip_limit") == "" {
			continue // an empty row: no stage
		}
		st.WIPLimit = number(p+"wip_limit", " of items; leave it empty for no limit")
		s.Stages = append(s.Stages, st)
	}
	s.WIPLimit = number(blockWIPLimit, " of items; leave it empty for no limit")
	s.Timezone = text(blockTimezone)
	s.WorkingDays = list(blockWorkingDays)
	s.Coaching = &config.CoachingSettings{
		Schedules: config.Schedules{
			FlowCheck: config.ParseScheduleText(text(blockFlowCheck)),
			Standup:   config.ParseScheduleText(text(blockStandup)),
			Digest:    config.ParseScheduleText(text(blockDigest)),
		},
		StalledAfter: work(blockStalledAfter),
		BlockedAfter: work(blockBlockedAfter),
		RepeatEvery:  work(blockRepeatEvery),
		MaxPoints:    number(blockMaxPoints, "; use an estimate such as 8, or leave it empty for no estimate check"),
		MaxPRLines:   number(blockMaxPRLines, fmt.Sprintf(" of lines; leave it empty for %d", config.DefaultMaxPRLines)),
		WorkingHours: text(blockWorkingHours),
		Holidays:     list(blockHolidays),
	}
	return sub, errs
}

// SetupView lays out the setup modal for form.
func SetupView(form bot.SetupForm) slackapi.ModalViewRequest {
	s := form.Settings
	rows := min(max(len(s.Stages)+spareStages, minStageRows), maxStageRows)
	rows = max(rows, len(s.Stages)) // never drop a stage the team has
	meta, _ := json.Marshal(setupMetadata{Team: s.ID, New: form.New, Revision: form.Revision, Stages: rows})

	var blocks []slackapi.Block
	add := func(b slackapi.Block) { blocks = append(blocks, b) }
	input := func(id, label, hint string, el slackapi.BlockElement, optional bool) {
		var h *slackapi.TextBlockObject
		if hint != "" {
			h = plain(hint)
		}
		add(slackapi.NewInputBlock(id, plain(label), h, el).WithOptional(optional))
	}
	textInput := func(initial, placeholder string, multiline bool) *slackapi.PlainTextInputBlockElement {
		el := slackapi.NewPlainTextInputBlockElement(plain(placeholder), actionValue)
		el.InitialValue = initial
		el.Multiline = multiline
		return el
	}

	intro := "Settings made here override flowbot.yaml for this team, are checked as `flowbot config check` checks the file, and are listed by `/flow settings history`."
	if form.New {
		intro = "A new team. " + intro
		input(blockID, "Team id", "Used in commands (team:payments) and cannot be changed later: lowercase letters, digits and dashes.", textInput(s.ID, "payments", false), false)
	} else {
		intro = fmt.Sprintf("Team `%s`. %s", s.ID, intro)
	}
	blocks = append([]slackapi.Block{slackapi.NewSectionBlock(mrkdwn(intro), nil, nil)}, blocks...)
	input(blockName, "Name", "Shown in answers; empty: the id.", textInput(s.Name, "Payments", false), true)

	ch := &slackapi.SelectBlockElement{Type: slackapi.OptTypeConversations, ActionID: actionValue, Placeholder: plain("Pick the team's channel"),
		InitialConversation: s.Channel, Filter: &slackapi.SelectBlockElementFilter{Include: []string{"public", "private"}, ExcludeBotUsers: true}}
	input(blockChannel, "Channel", "Where the team asks /flow and gets its posts.", ch, true)
	input(blockJQL, "Jira query (JQL)", "The team's work items, such as project = PAY. No ORDER BY.", textInput(s.JQL, "project = PAY", true), true)
	input(blockRepos, "GitHub repositories", "One owner/name per line.", textInput(strings.Join(s.Repos, "\n"), "acme/payments-api", true), true)

	add(slackapi.NewDividerBlock())
	add(slackapi.NewSectionBlock(mrkdwn("*Stages*, in value-stream order. Active: work is being done; wait: it waits for someone; done: finished. Statuses in no stage fall back to Jira's status category. A stage's WIP limit is the most items it means to hold; empty: no limit. Clear a stage's fields to remove it."), nil, nil))
	pick := len(form.Statuses) > 0 && len(form.Statuses) <= maxOptions
	statuses := func(initial []string, placeholder string) slackapi.BlockElement {
		if !pick {
			return textInput(strings.Join(initial, ", "), placeholder+" (comma-separated)", false)
		}
		opts := make([]*slackapi.OptionBlockObject, 0, len(form.Statuses))
		for _, n := range form.Statuses {
			opts = append(opts, slackapi.NewOptionBlockObject(n, plain(n), nil))
		}
		el := slackapi.NewOptionsMultiSelectBlockElement(slackapi.MultiOptTypeStatic, plain(placeholder), actionValue, opts...)
		for _, n := range initial {
			el.InitialOptions = append(el.InitialOptions, slackapi.NewOptionBlockObject(n, plain(n), nil))
		}
		return el
	}
	number := func(initial int, placeholder, min string) *slackapi.NumberInputBlockElement {
		el := slackapi.NewNumberInputBlockElement(plain(placeholder), actionValue, false)
		el.MinValue = min
		if initial != 0 {
			el.InitialValue = strconv.Itoa(initial)
		}
		return el
	}
	short := func(initial, placeholder string, maxLen int) *slackapi.PlainTextInputBlockElement {
		return textInput(initial, placeholder, false).WithMaxLength(maxLen)
	}
	for i := range rows {
		var st config.Stage
		if i < len(s.Stages) {
			st = s.Stages[i]
		}
		p := fmt.Sprintf("stage_%d_", i)
		input(p+"name", fmt.Sprintf("Stage %d", i+1), "", textInput(st.Name, "Review", false), true)
		input(p+"active", "Active statuses", "", statuses(st.Active, "In Review"), true)
		input(p+"wait", "Wait statuses", "", statuses(st.Wait, "Ready for Review"), true)
		input(p+"done", "Done statuses", "", statuses(st.Done, "Done"), true)
		input(p+"wip_limit", "Stage WIP limit", "", number(st.WIPLimit, "3", "0"), true)
	}

	add(slackapi.NewDividerBlock())
	input(blockWIPLimit, "WIP limit", "Items in progress at most; empty: no limit.", number(s.WIPLimit, "6", "0"), true)

	var c config.CoachingSettings
	if s.Coaching != nil {
		c = *s.Coaching
	}
	add(slackapi.NewHeaderBlock(plain("Working time")))
	input(blockTimezone, "Time zone", "An IANA zone such as Europe/Berlin; empty: the file's default.", textInput(s.Timezone, "Europe/Berlin", false), true)
	dayOpts := make([]*slackapi.OptionBlockObject, 0, len(weekdays))
	for _, d := range weekdays {
		dayOpts = append(dayOpts, slackapi.NewOptionBlockObject(d, plain(d), nil))
	}
	days := slackapi.NewOptionsMultiSelectBlockElement(slackapi.MultiOptTypeStatic, plain("Mon to Fri"), actionValue, dayOpts...)
	for _, d := range s.WorkingDays {
		if short, ok := weekday(d); ok {
			days.InitialOptions = append(days.InitialOptions, slackapi.NewOptionBlockObject(short, plain(short), nil))
		}
	}
	input(blockWorkingDays, "Working days", "Days that count as working time; empty: Monday to Friday.", days, true)
	input(blockWorkingHours, "Working hours", fmt.Sprintf("Start and end of a working day in the team's zone; empty: %s.", config.DefaultWorkingHours),
		short(c.WorkingHours, config.DefaultWorkingHours, maxHoursLen), true)
	input(blockHolidays, "Holidays", "Dates that are not working days, YYYY-MM-DD, one per line.",
		textInput(strings.Join(c.Holidays, "\n"), "2026-12-25", true).WithMaxLength(maxHolidaysLen), true)

	add(slackapi.NewHeaderBlock(plain("Schedules")))
	add(slackapi.NewContextBlock("", mrkdwn("Cron in the team's time zone: minute hour day-of-month month day-of-week. Empty: the default. Write `"+config.ScheduleOff+"` to switch a post off. The flow check and the standup skip days that are not working days.")))
	for _, j := range []struct {
		block, label, what, def string
		v                       config.Schedule
	}{
		{blockFlowCheck, "Flow check", "flow check", config.DefaultFlowCheckSchedule, c.Schedules.FlowCheck},
		{blockStandup, "Standup prompt", "standup prompt", config.DefaultStandupSchedule, c.Schedules.Standup},
		{blockDigest, "Weekly digest", "digest", config.DefaultDigestSchedule, c.Schedules.Digest},
	} {
		hint := fmt.Sprintf("Empty: %s. %s: no %s.", j.def, config.ScheduleOff, j.what)
		input(j.block, j.label, hint, short(config.ScheduleText(j.v), j.def, maxScheduleLen), true)
	}

	add(slackapi.NewHeaderBlock(plain("Thresholds")))
	add(slackapi.NewContextBlock("", mrkdwn("Working time, such as `5d` (working days) or `36h`, as docs/coaching.md counts it. Empty: the default.")))
	for _, d := range []struct {
		block, label, hint string
		def                time.Duration
		v                  config.WorkDuration
	}{
		{blockStalledAfter, "Stalled after", "An item in progress without activity for this long is stalled", coach.DefaultStalledAfter, c.StalledAfter},
		{blockBlockedAfter, "Blocked after", "An item in progress blocked for this long gets a nudge", coach.DefaultBlockedAfter, c.BlockedAfter},
		{blockRepeatEvery, "Repeat nudges every", "A nudge that still holds is posted again after this long", coach.DefaultRepeatEvery, c.RepeatEvery},
	} {
		input(d.block, d.label, d.hint+"; empty: "+workText(d.def)+".", short(config.WorkDurationText(d.v), workText(d.def), maxDurationLen), true)
	}
	input(blockMaxPoints, "Max points", "An item in an early stage estimated above this is oversized; empty: no estimate check.", number(c.MaxPoints, "8", "1"), true)
	input(blockMaxPRLines, "Max pull request lines", fmt.Sprintf("Lines added plus deleted above which a pull request is too big; empty: %d.", config.DefaultMaxPRLines),
		number(c.MaxPRLines, strconv.Itoa(config.DefaultMaxPRLines), "1"), true)

	title := "Edit " + s.ID
	if form.New || len([]rune(title)) > 24 {
		title = "flowbot setup"
	}
	return slackapi.ModalViewRequest{
		Type:            slackapi.VTModal,
		Title:           plain(title),
		Submit:          plain("Save"),
		Close:           plain("Cancel"),
		Blocks:          slackapi.Blocks{BlockSet: blocks},
		PrivateMetadata: string(meta),
		CallbackID:      SetupCallbackID,
	}
}

// weekday returns a day name as the modal's options name it (Mon).
func weekday(name string) (string, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, d := range weekdays {
		if len(n) >= 3 && strings.HasPrefix(n, strings.ToLower(d)) {
			return d, true
		}
	}
	return "", false
}

// workText writes a default working time as the form takes it (5d).
func workText(d time.Duration) string {
	return config.WorkDurationText(config.WorkDuration{Duration: d})
}
