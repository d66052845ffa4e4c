package bot

// adminSpecs are the commands that change flowbot's settings. The Slack
// adapter answers them (setup opens a modal, which needs Slack's
// trigger_id), so ParseCommand does not know them; help lists and explains
// them.
var adminSpecs = []spec{
	{name: "setup", usage: "/flow setup [team:<id>]", summary: "create or edit a team in a form: channel, JQL, repos, stages, WIP limit, time zone, working days", example: "/flow setup team:payments", maxArgs: 0},
	{name: "settings", usage: "/flow settings history [team:<id>]", summary: "who changed which setting, when, from what to what", example: "/flow settings history", maxArgs: 1},
}

func adminSpec(name string) (spec, bool) {
	for _, s := range adminSpecs {
		if s.name == name {
			return s, true
		}
	}
	return spec{}, false
}

// helpDefinition is the sentence /flow help <command> gives for what the
// command's numbers mean: the metric definitions /flow explain uses, and a
// plain sentence for the commands that show no numbers of their own.
func helpDefinition(name string) string {
	if def, ok := definitions[name]; ok {
		return def
	}
	switch name {
	case "help":
		return "Help shows no numbers; `/flow help <command>` gives a command's usage, an example and the definition of its numbers."
	case "explain":
		return "Explain answers the command it names and then states that metric's definition, the window, the number of items (n) and what was left out and why."
	case "setup":
		return "Setup shows no numbers: it changes a team's settings, which are checked exactly as `flowbot config check` checks the file, stored as overrides of the file and recorded in the settings history. Only workspace admins and the users listed under `admins:` may use it."
	case "nudges", "snooze", "pause", "away":
		return quietDefinition(name)
	case "standup", "digest", "mine":
		return coachingDefinition(name)
	case "dm":
		return "DM on sends you, once per working day at the flow check, the nudges about your own items and the reviews waiting for you; none while Slack's do-not-disturb is on."
	case "link":
		return "Link records a Slack user's Jira account id and GitHub login, so nudges mention them; admins or the user themself may link, and flowbot never guesses."
	case "settings":
		return "Settings history lists each change made from Slack, newest first: who, when, and every setting changed with its old and new value."
	}
	return "Every number flowbot shows is defined in docs/metrics.md."
}
