"""The hello-world pipeline: read trips, aggregate them with Spark SQL,
write CSV and Parquet, print a summary."""

import os

from orchestera.entrypoints import Argument, SparkEntrypoint
from orchestera.platform import run_dir
from orchestera.spark import spark_session

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_INPUT = os.path.join(HERE, "..", "..", "data", "trips.csv")


class HelloWorld(SparkEntrypoint):
    input_path = Argument(str, default=DEFAULT_INPUT, help="CSV of trips")
    output_dir = Argument(str, default="", help="where to write outputs (default: the run's directory)")
    min_distance_km = Argument(float, default=0.0, help="ignore shorter trips")
    top = Argument(int, default=3, help="cities to print")

    def run(self):
        out = self.output_dir or os.path.join(run_dir(), "output")
        # Sized by the run's --executor-* flags (orchestera run), not here.
        with spark_session(app_name=self.application_name) as spark:
            trips = spark.read.csv(os.path.abspath(self.input_path), header=True, inferSchema=True)
            trips.createOrReplaceTempView("trips")
            by_city = spark.sql(f"""
                SELECT city, COUNT(*) AS trips, ROUND(SUM(distance_km), 2) AS km,
                       ROUND(AVG(fare_eur), 2) AS avg_fare_eur
                FROM trips WHERE distance_km >= {self.min_distance_km}
                GROUP BY city ORDER BY trips DESC, city
            """)
            by_city.coalesce(1).write.mode("overwrite").option("header", True).csv(os.path.join(out, "by_city_csv"))
            by_city.write.mode("overwrite").parquet(os.path.join(out, "by_city_parquet"))
            rows = by_city.collect()
            total = sum(r["trips"] for r in rows)
            print(f"hello-world: {total} trips in {len(rows)} cities")
            for r in rows[: self.top]:
                print(f"  {r['city']:<8} {r['trips']:>5} trips {r['km']:>9} km  avg fare {r['avg_fare_eur']} EUR")
            print(f"outputs: {out}/by_city_csv (CSV), {out}/by_city_parquet (Parquet)")
