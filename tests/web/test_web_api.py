"""The JSON API, validated against its own OpenAPI document; CORS; JSON errors."""

from __future__ import annotations

import jsonschema
import pytest

from audioguide.web.openapi import openapi_document


def validator(schema_name: str) -> jsonschema.Draft202012Validator:
    document = openapi_document()
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]}
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_openapi_document_is_valid_and_served(client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {
        "/api/v1/tour",
        "/api/v1/stops/{id}",
        "/api/v1/scans",
        "/api/v1/{lang}/tour.json",  # the path forms, which a static export holds as files
        "/api/v1/{lang}/stops/{id}.json",
        "/api/v1/openapi.json",
    }
    for name, schema in document["components"]["schemas"].items():
        jsonschema.Draft202012Validator.check_schema(schema), name
    # Every path in the document is a route of the app.
    rules = {
        rule.rule.replace("<stop_id>", "{id}").replace("<lang>", "{lang}")
        for rule in client.application.url_map.iter_rules()
    }
    assert set(document["paths"]) <= rules


def test_openapi_document_enumerates_the_tours_languages(client, make_tour, tmp_path) -> None:
    from audioguide.web import create_app

    document = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/tour", "/api/v1/stops/{id}"):
        operation = document["paths"][path]["get"]
        (lang,) = [p for p in operation["parameters"] if p["name"] == "lang"]
        assert lang["schema"]["enum"] == ["en", "ru", "kk"]
        assert "400" in operation["responses"]
    # Before the first build there is no tour to ask; the document is served all the same.
    empty = tmp_path / "empty"
    empty.mkdir()
    bare = create_app(empty, stats_db=tmp_path / "e.db", testing=True).test_client()
    response = bare.get("/api/v1/openapi.json")
    assert response.status_code == 200
    (lang,) = response.get_json()["paths"]["/api/v1/tour"]["get"]["parameters"]
    assert "pattern" in lang["schema"]


def test_tour(client) -> None:
    response = client.get("/api/v1/tour?lang=ru")
    assert response.status_code == 200
    data = response.get_json()
    validator("Tour").validate(data)
    assert data["lang"] == "ru" and data["title"] == "Тестовый мемориал"
    assert [lang["code"] for lang in data["languages"]] == ["en", "ru", "kk"]
    assert [stop["id"] for stop in data["stops"]] == ["gate", "wall"]
    gate, wall = data["stops"]
    assert gate["title"] == "Ворота" and gate["number"] == 1
    assert gate["transcript"] == "Ворота мемориала. Посетители входят сюда в тишине."
    assert gate["audio_url"].startswith("http://localhost/media/") and gate["audio_url"].endswith(
        "/ru/gate.mp3"
    )
    assert gate["captions_url"].endswith("/ru/gate.vtt")
    assert gate["duration"] == 8.0 and gate["bytes"] > 1000
    assert gate["image"].endswith("/gate/photo.png")
    assert gate["location"] == {"lat": 51.0, "lon": 71.2}
    assert gate["aliases"] == ["entrance"]
    assert gate["previous"] is None and gate["next"]["id"] == "wall"
    assert wall["previous"]["title"] == "Ворота" and wall["next"] is None
    assert wall["needs_review"] is True and gate["needs_review"] is False
    assert gate["voice"]["synthetic"] is True and gate["voice"]["engine"] == "espeak"
    assert gate["voice"]["engine_name"] == "eSpeak NG" and gate["voice"]["fallback"] is False
    assert gate["voice"]["narrator"] is None


def test_path_forms_answer_the_same_documents(client) -> None:
    """/api/v1/<lang>/tour.json and /api/v1/<lang>/stops/<id>.json: no query string, so a static
    export can hold them; their links use the path form too."""
    by_query = client.get("/api/v1/tour?lang=ru").get_json()
    by_path = client.get("/api/v1/ru/tour.json").get_json()
    validator("Tour").validate(by_path)
    assert by_path["stops"][0]["next"]["url"] == "http://localhost/api/v1/ru/stops/wall.json"
    assert by_query["stops"][0]["next"]["url"] == "http://localhost/api/v1/stops/wall?lang=ru"
    for document in (by_query, by_path):
        for stop in document["stops"]:
            for link in (stop["previous"], stop["next"]):
                if link:
                    link.pop("url")
    assert by_path == by_query
    stop = client.get("/api/v1/kk/stops/entrance.json")  # an old id, as in the query form
    assert stop.status_code == 200 and stop.get_json()["id"] == "gate"
    validator("Stop").validate(stop.get_json())
    assert client.get("/api/v1/xx/tour.json").status_code == 404
    assert client.get("/api/v1/en/stops/nowhere.json").get_json()["status"] == 404


def test_tour_default_language(client) -> None:
    assert client.get("/api/v1/tour").get_json()["lang"] == "en"  # the tiny tour lists en first


def test_stop(client) -> None:
    response = client.get("/api/v1/stops/wall?lang=kk")
    assert response.status_code == 200
    data = response.get_json()
    validator("Stop").validate(data)
    assert data["id"] == "wall" and data["lang"] == "kk" and data["title"] == "Қабырға"
    assert data["image"] is None and data["location"] is None
    # The listed URLs work.
    for key in ("audio_url", "captions_url", "page_url"):
        path = data[key].removeprefix("http://localhost")
        assert client.get(path).status_code == 200, key
    assert client.get(data["previous"]["url"].removeprefix("http://localhost")).status_code == 200


def test_stop_by_alias_answers_with_the_current_id(client) -> None:
    assert client.get("/api/v1/stops/entrance").get_json()["id"] == "gate"


def test_stop_without_audio_validates(make_tour, tmp_path) -> None:
    from audioguide.web import create_app

    client = create_app(make_tour("silent"), stats_db=tmp_path / "s.db", testing=True).test_client()
    data = client.get("/api/v1/stops/gate").get_json()
    validator("Stop").validate(data)
    assert data["audio_url"] is None and data["voice"] is None
    validator("Tour").validate(client.get("/api/v1/tour").get_json())


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/stops/nowhere", 404),
        ("/api/v1/stops/gate?lang=xx", 400),
        ("/api/v1/tour?lang=de", 400),
        ("/api/v1/tour?lang=", 400),  # empty: refused, as the document's enum says
        ("/api/v1/stops/gate?lang=", 400),
        ("/api/v1/nothing", 404),
        ("/api/v2/tour", 404),
    ],
)
def test_errors_are_json(client, url, status) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    data = response.get_json()
    validator("Error").validate(data)
    assert data["status"] == status and data["message"]


def test_method_not_allowed_is_json(client) -> None:
    response = client.post("/api/v1/tour")
    assert response.status_code == 405
    assert response.get_json()["status"] == 405


def test_cross_origin_reads(client) -> None:
    response = client.get("/api/v1/tour", headers={"Origin": "https://app.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/api/v1/stops/gate",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert client.get("/api/v1/nothing").headers["Access-Control-Allow-Origin"] == "*"
    # Pages are not for other sites' scripts.
    assert "Access-Control-Allow-Origin" not in client.get("/en/gate").headers
