"""A faust agent reached through a relative import the analysed code does not hold: `await agent.cast(value)`
is still a publication, with its channel unknown for that reason."""

from tests.helpers import facts_of, write_project

APP = '''
    import faust

    from . import combine_scores

    app = faust.App("scoring", broker="kafka://localhost:9092")


    class Request(faust.Record):
        transaction_id: str


    requests_topic = app.topic("score-requests", value_type=Request)


    @app.agent(requests_topic)
    async def score(requests):
        async for request in requests:
            await combine_scores.cast(value=request)
            await combine_scores.send(value=request)
'''


def test_cast_on_an_agent_from_an_unresolved_relative_import_is_a_site(tmp_path):
    # `from . import combine_scores` in a folder with no combine_scores module (the agent lives in combine.py)
    files = {
        "stream/app.py": APP,
        "stream/combine.py": '''
            import faust

            app = faust.App("combiner", broker="kafka://localhost:9092")
            scores_topic = app.topic("scores")


            @app.agent(scores_topic)
            async def combine_scores(scores):
                async for score in scores:
                    print(score)
        ''',
    }
    facts = facts_of(write_project(tmp_path / "repo", files))
    published = [(p.path, p.line, p.framework, p.channel, p.unresolved) for p in facts.publishers]
    # only cast (a distinctive name): `.send(...)` on an object of unknown type is no site
    assert published == [
        ("stream/app.py", 18, "faust", None, "import-not-resolved: channel is `combine_scores`"),
    ]


def test_an_absolute_import_of_an_unknown_module_is_a_library_not_an_agent(tmp_path):
    files = {"stream/app.py": APP.replace("from . import combine_scores", "from scoring_lib import combine_scores")}
    facts = facts_of(write_project(tmp_path / "repo", files))
    assert not facts.publishers
