import pytest

from orchestera.entrypoints import Argument, InvalidArguments, SparkEntrypoint


class Job(SparkEntrypoint):
    date = Argument(str, required=True, help="day")
    limit = Argument(int, default=10)
    ratio = Argument(float, default=0.5)
    dry_run = Argument(bool, default=False)
    tags = Argument(list, default=[])

    def run(self):
        return 0


def test_parses_every_kind():
    job = Job.from_args("app", ["--date", "2026-11-29", "--limit=5", "--ratio", "0.25", "--dry-run", "yes", "--tags", "a, b,c"])
    assert (job.application_name, job.date, job.limit, job.ratio, job.dry_run, job.tags) == (
        "app", "2026-11-29", 5, 0.25, True, ["a", "b", "c"])


def test_defaults_and_json_lists():
    job = Job.from_args("app", ["--date", "d", "--tags", '["x", 1]'])
    assert (job.limit, job.ratio, job.dry_run, job.tags) == (10, 0.5, False, ["x", "1"])


def test_underscore_names_are_accepted():
    assert Job.from_args("app", ["--date", "d", "--dry_run", "false"]).dry_run is False


@pytest.mark.parametrize("argv,message", [
    ([], "missing required argument --date"),
    (["--date", "d", "--limit", "ten"], "argument --limit: 'ten' is not a valid int"),
    (["--date", "d", "--ratio", "x"], "argument --ratio: 'x' is not a valid float"),
    (["--date", "d", "--dry-run", "maybe"], "argument --dry-run: 'maybe' is not a valid bool"),
    (["--date", "d", "--tags", "[1"], "argument --tags"),
    (["--date", "d", "--colour", "red"], "unknown argument --colour"),
    (["--date"], "argument --date: a value is required"),
])
def test_bad_arguments_name_the_argument(argv, message):
    with pytest.raises(InvalidArguments) as e:
        Job.from_args("app", argv)
    assert message in str(e.value)


def test_declarations_are_checked():
    with pytest.raises(TypeError):
        Argument(dict)
    with pytest.raises(TypeError):
        Argument(str, required=True, default="x")


def test_help_lists_every_argument_with_kind_default_and_help(capsys):
    with pytest.raises(SystemExit) as e:
        Job.from_args("app", ["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "usage: python -m orchestera.entrypoints.run" in out
    for line in ["--date (str, required) day", "--limit (int, default 10)", "--ratio (float, default 0.5)",
                 "--dry-run (bool, default False)", "--tags (list, default [])"]:
        assert line in out


def test_help_through_the_runner(capsys):
    from orchestera.entrypoints import run
    with pytest.raises(SystemExit) as e:
        run.main(["tests.test_arguments.Job", "-h"])
    assert e.value.code == 0
    assert "--date (str, required) day" in capsys.readouterr().out
