package web

import (
	"net/http"
	"strings"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

func (c *console) awsRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /aws", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		return c.awsPage(w, r, s, awsData{TemplateURL: strings.TrimSpace(r.URL.Query().Get("template_url"))})
	}))
	mux.HandleFunc("GET /aws/template.json", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Disposition", `attachment; filename="orchestera-access.json"`)
		_, err := w.Write(iampolicy.CloudFormationTemplate())
		return err
	}))
	c.connectionRoutes(mux)
}

// awsData is the setup guide's page: everything an admin pastes into AWS,
// and the organization's connections.
type awsData struct {
	ExternalID, Platform          string
	ExternalIDErr                 *formError // members, or a server without an AWS identity
	AccessPolicy, LifecyclePolicy string
	TrustPolicy                   string
	TemplateURL, QuickCreate      string
	TemplateErr                   string
	Connections                   []domain.AWSConnection
	Regions                       []string
	RoleARN                       string
	Err                           *formError
}

func (c *console) awsPage(w http.ResponseWriter, r *http.Request, s *session, d awsData) error {
	ctx := r.Context()
	d.AccessPolicy, d.LifecyclePolicy = string(iampolicy.AccessPolicy().JSON()), string(iampolicy.LifecyclePolicy().JSON())
	d.Regions = c.Regions
	if id, platform, err := c.Connections.ExternalID(ctx, s.P); err != nil {
		d.ExternalIDErr = errorOf(err)
	} else {
		d.ExternalID, d.Platform = id, platform
		d.TrustPolicy = string(iampolicy.TrustPolicy(platform, id).JSON())
		d.quickCreate(c.Regions)
	}
	conns, err := c.Connections.List(ctx, s.P)
	if err != nil {
		return err
	}
	d.Connections = conns
	status := 0
	if d.Err != nil {
		status = d.Err.Status
	}
	return c.render(w, r, status, "aws", view{Title: "AWS setup", Nav: "aws", S: s, Err: d.Err, Data: d})
}

// quickCreate builds the CloudFormation console link for a template the
// admin uploaded: the console loads templates only from S3 over https.
func (d *awsData) quickCreate(regions []string) {
	switch {
	case d.TemplateURL == "":
	case !strings.HasPrefix(d.TemplateURL, "https://"):
		d.TemplateErr = "must be an https:// URL, such as the template's S3 object URL"
	case len(d.ExternalID) < iampolicy.ExternalIDMinLength:
		d.TemplateErr = "the external ID is too short for the template; rotate it"
	default:
		region := "us-east-1"
		if len(regions) > 0 {
			region = regions[0]
		}
		d.QuickCreate = iampolicy.QuickCreateURL(d.TemplateURL, region, d.ExternalID, d.Platform)
	}
}
