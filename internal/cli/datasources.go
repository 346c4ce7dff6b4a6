package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/client"
	"github.com/orchestera/orchestera/internal/domain"
)

func newDatasources(o *clikit.Options) *cobra.Command {
	var stack, namespace string
	cmd := &cobra.Command{
		Use:   "datasources",
		Short: "S3 buckets and JDBC databases a namespace's pipelines read, synced into its connections Secret",
		Long: `A datasource names an S3 bucket or a JDBC database and, for credentials, a
secret alias of the same namespace (never the credentials themselves). The
platform resolves them into the namespace's orchestera-connections Secret,
which runs mount read-only (ORCH_CONNECTIONS_FILE).`,
		Example: `  orchestera datasources put events --stack shared --namespace etl --kind s3 --bucket acme-events --region eu-west-1
  orchestera datasources put warehouse --stack shared --namespace etl --kind jdbc --url jdbc:postgresql://db:5432/sales --secret warehouse-db
  orchestera datasources list --stack shared`,
	}
	cmd.PersistentFlags().StringVar(&stack, "stack", "", "the stack (required)")
	cmd.MarkPersistentFlagRequired("stack")

	var req api.DatasourceRequest
	var kind string
	put := &cobra.Command{
		Use:   "put NAME --kind s3|jdbc",
		Short: "Create or replace a datasource (admin)",
		Example: `  orchestera datasources put events --stack shared --namespace etl --kind s3 --bucket acme-events --region eu-west-1
  orchestera datasources put lake --stack shared --namespace etl --kind s3 --bucket lake --endpoint https://minio.example.com --secret minio`,
		Args: clikit.Args("NAME"),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			req.Kind = domain.DatasourceKind(kind)
			d, err := c.PutDatasource(cmd.Context(), stack, namespace, args[0], req)
			if err != nil {
				return err
			}
			return renderDatasources(o, []api.Datasource{d}, d)
		}),
	}
	f := put.Flags()
	f.StringVar(&namespace, "namespace", "", "the namespace (required)")
	f.StringVar(&kind, "kind", "", "s3 or jdbc (required)")
	f.StringVar(&req.Bucket, "bucket", "", "s3: the bucket")
	f.StringVar(&req.Region, "region", "", "s3: the bucket's region")
	f.StringVar(&req.Endpoint, "endpoint", "", "s3: an S3-compatible endpoint (MinIO and the like)")
	f.StringVar(&req.URL, "url", "", "jdbc: the JDBC URL, without credentials")
	f.StringVar(&req.Driver, "driver", "", "jdbc: the driver class")
	f.StringVar(&req.Secret, "secret", "", "the secret alias with the credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (s3), JDBC_USER and JDBC_PASSWORD (jdbc)")
	put.MarkFlagRequired("namespace")
	put.MarkFlagRequired("kind")

	list := &cobra.Command{
		Use:     "list",
		Short:   "List a stack's datasources",
		Example: "  orchestera datasources list --stack shared --namespace etl -o json",
		Args:    clikit.Args(),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
			ds, err := c.ListDatasources(cmd.Context(), stack, namespace)
			if err != nil {
				return err
			}
			return renderDatasources(o, ds, clikit.NewPage(ds, ""))
		}),
	}
	list.Flags().StringVar(&namespace, "namespace", "", "only this namespace's")

	del := &cobra.Command{
		Use:     "delete NAME",
		Short:   "Remove a datasource (admin)",
		Example: "  orchestera datasources delete events --stack shared --namespace etl",
		Args:    clikit.Args("NAME"),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			if err := c.DeleteDatasource(cmd.Context(), stack, namespace, args[0]); err != nil {
				return err
			}
			return o.Render(clikit.Deleted{Kind: "datasource", ID: args[0], Deleted: true}, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "datasource %s removed from namespace %s\n", args[0], namespace)
			})
		}),
	}
	del.Flags().StringVar(&namespace, "namespace", "", "the namespace (required)")
	del.MarkFlagRequired("namespace")
	cmd.AddCommand(put, list, del)
	return cmd
}

func renderDatasources(o *clikit.Options, rows []api.Datasource, v any) error {
	return o.Render(v, func(w *tabwriter.Writer) {
		clikit.Row(w, "NAME", "NAMESPACE", "KIND", "WHERE", "SECRET", "UPDATED")
		for _, d := range rows {
			where := d.URL
			if d.Kind == domain.DatasourceS3 {
				where = "s3a://" + d.Bucket
			}
			clikit.Row(w, d.Name, d.Namespace, d.Kind, where, clikit.Dash(d.Secret), clikit.Ago(d.UpdatedAt))
		}
	})
}
