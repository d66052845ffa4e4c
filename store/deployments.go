package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/flowbot/flowbot/coach"
	"github.com/redis/go-redis/v9"
)

type deploymentRecord struct {
	V                int      `json:"v"`
	Repo             string   `json:"repo"`
	ID               int64    `json:"id"`
	Source           string   `json:"source"`
	Environment      string   `json:"environment,omitempty"`
	SHA              string   `json:"sha,omitempty"`
	Ref              string   `json:"ref,omitempty"`
	Created          string   `json:"created,omitempty"`
	Succeeded        string   `json:"succeeded,omitempty"`
	Commits          []string `json:"commits,omitempty"`
	HasCommits       bool     `json:"has_commits,omitempty"`
	CommitsTruncated bool     `json:"commits_truncated,omitempty"`
	Behind           bool     `json:"behind,omitempty"`
}

// deploymentField is a deployment's field in the team's deployments hash:
// a deployment id and a workflow run id of one repository may be equal, so
// the source is part of the identity. '#' cannot occur in a repository name
// and sources are fixed words.
func deploymentField(d coach.Deployment) string {
	return d.Repo + "#" + d.Source + "#" + strconv.FormatInt(d.ID, 10)
}

func encodeDeployment(d coach.Deployment) (string, error) {
	var tc timeCodec
	rec := deploymentRecord{
		V:                recordVersion,
		Repo:             d.Repo,
		ID:               d.ID,
		Source:           d.Source,
		Environment:      d.Environment,
		SHA:              d.SHA,
		Ref:              d.Ref,
		Created:          tc.enc(d.Created),
		Succeeded:        tc.enc(d.Succeeded),
		Commits:          d.Commits,
		HasCommits:       d.HasCommits,
		CommitsTruncated: d.CommitsTruncated,
		Behind:           d.Behind,
	}
	if tc.err != nil {
		return "", tc.err
	}
	b, err := json.Marshal(rec)
	return string(b), err
}

func decodeDeployment(data string) (coach.Deployment, error) {
	var rec deploymentRecord
	if err := decode(data, &rec, recordVersion); err != nil {
		return coach.Deployment{}, err
	}
	var tc timeCodec
	d := coach.Deployment{
		Repo:             rec.Repo,
		ID:               rec.ID,
		Source:           rec.Source,
		Environment:      rec.Environment,
		SHA:              rec.SHA,
		Ref:              rec.Ref,
		Created:          tc.dec(rec.Created),
		Succeeded:        tc.dec(rec.Succeeded),
		Commits:          rec.Commits,
		HasCommits:       rec.HasCommits,
		CommitsTruncated: rec.CommitsTruncated,
		Behind:           rec.Behind,
	}
	return d, tc.err
}

// PutDeployments stores team's deployments, replacing any stored deployment
// with the same Repo, Source and ID. The batch is written atomically.
func (db *DB) PutDeployments(ctx context.Context, team string, ds []coach.Deployment) error {
	k, err := db.keys(team)
	if err != nil {
		return fmt.Errorf("storing deployments of %s: %w", team, err)
	}
	if len(ds) == 0 {
		return nil
	}
	fields := make([]any, 0, 2*len(ds))
	for _, d := range ds {
		switch {
		case d.Repo == "":
			return fmt.Errorf("storing deployments of %s: deployment %d without a repository", team, d.ID)
		case d.Source != coach.DeploymentSourceAPI && d.Source != coach.DeploymentSourceWorkflow:
			return fmt.Errorf("storing deployments of %s: deployment %s#%d has source %q, want %q or %q",
				team, d.Repo, d.ID, d.Source, coach.DeploymentSourceAPI, coach.DeploymentSourceWorkflow)
		}
		rec, err := encodeDeployment(d)
		if err != nil {
			return fmt.Errorf("storing deployment %s of %s: %w", deploymentField(d), team, err)
		}
		fields = append(fields, deploymentField(d), rec)
	}
	err = db.write(ctx, k, func(p redis.Pipeliner) {
		p.HSet(ctx, k.deployments, fields...)
	})
	if err != nil {
		return fmt.Errorf("storing deployments of %s: %w", team, err)
	}
	return nil
}

// Deployments returns team's deployments sorted by Succeeded (never
// succeeded first), then Created, then Repo, Source and ID, so the order is
// total.
func (db *DB) Deployments(ctx context.Context, team string) ([]coach.Deployment, error) {
	k, err := db.keys(team)
	if err != nil {
		return nil, fmt.Errorf("reading deployments of %s: %w", team, err)
	}
	var all *redis.MapStringStringCmd
	err = db.read(ctx, k, func(p redis.Pipeliner) {
		all = p.HGetAll(ctx, k.deployments)
	})
	if err != nil {
		return nil, fmt.Errorf("reading deployments of %s: %w", team, err)
	}
	ds, err := decodeDeployments(all.Val())
	if err != nil {
		return nil, fmt.Errorf("reading deployments of %s: %w", team, err)
	}
	return ds, nil
}

// decodeDeployments decodes a deployments hash, sorted as Deployments
// sorts them.
func decodeDeployments(all map[string]string) ([]coach.Deployment, error) {
	var ds []coach.Deployment
	for field, data := range all {
		d, err := decodeDeployment(data)
		if err != nil {
			return nil, fmt.Errorf("deployment %s: %w", field, err)
		}
		ds = append(ds, d)
	}
	slices.SortFunc(ds, func(a, b coach.Deployment) int {
		return cmp.Or(a.Succeeded.Compare(b.Succeeded), a.Created.Compare(b.Created),
			cmp.Compare(a.Repo, b.Repo), cmp.Compare(a.Source, b.Source), cmp.Compare(a.ID, b.ID))
	})
	return ds, nil
}
