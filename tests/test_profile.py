"""paper2prod.profile: finding films by title and turning a profile into rating rows."""

import pandas as pd
import pytest

from paper2prod import data, profile

CATALOGUE = pd.DataFrame(
    {
        "movieId": [1, 2, 3, 4, 5, 6, 7, 8],
        "title": [
            "Toy Story (1995)",
            "Toy Story 2 (1999)",
            "Lion King, The (1994)",
            "Beauty and the Beast (1991)",
            "Beauty and the Beast (2017)",
            "Spirited Away (Sen to Chihiro no kamikakushi) (2001)",
            "WALL·E (2008)",
            "Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)",
        ],
        "genres": ["Animation"] * 8,
    }
)


def test_titles_match_as_people_type_them():
    for typed, movie_id in [
        ("toy story", 1),
        ("TOY STORY (1995)", 1),
        ("The Lion King", 3),
        ("Lion King, The", 3),
        ("Sen to Chihiro no Kamikakushi", 6),
        ("Spirited Away", 6),
        ("WALL-E", 7),
        ("wall·e", 7),
        ("Le Fabuleux destin d'Amelie Poulain", 8),
        ("Amélie", 8),
    ]:
        found = profile.matches(CATALOGUE, typed)
        assert found["movieId"].tolist() == [movie_id], typed


def test_a_year_picks_one_of_several_films():
    assert profile.matches(CATALOGUE, "Beauty and the Beast")["movieId"].tolist() == [4, 5]
    assert profile.matches(CATALOGUE, "Beauty and the Beast (2017)")["movieId"].tolist() == [5]
    assert profile.matches(CATALOGUE, "Toy Story (1999)").empty


def test_search_puts_exact_matches_first():
    assert profile.search(CATALOGUE, "toy story")["movieId"].tolist() == [1, 2]
    assert profile.search(CATALOGUE, "beast", limit=1)["movieId"].tolist() == [4]
    with pytest.raises(profile.ProfileError, match="letters or digits"):
        profile.search(CATALOGUE, "?!")


def test_resolve_keeps_order_and_types():
    resolved = profile.resolve(CATALOGUE, {"Toy Story 2": 4.5, "the lion king": 5})
    assert resolved["movieId"].tolist() == [2, 3]
    assert resolved["title"].tolist() == ["Toy Story 2 (1999)", "Lion King, The (1994)"]
    assert resolved["rating"].tolist() == [4.5, 5.0]


def test_resolve_reports_every_problem_at_once():
    with pytest.raises(profile.ProfileError) as raised:
        profile.resolve(
            CATALOGUE,
            {
                "Toy Stroy": 5,
                "Beauty and the Beast": 4,
                "Toy Story 2": 6,
                "toy story": 3,
                "Toy Story (1995)": 4,
                "zzzz qqqq": 1,
            },
        )
    message = str(raised.value)
    assert message.startswith("5 problem(s)")
    assert "'Toy Stroy': no film with this title. Did you mean: Toy Story (1995)" in message
    assert "ambiguous (2 films): Beauty and the Beast (1991); Beauty and the Beast (2017)" in message
    assert "'Beauty and the Beast (1991)'" in message  # a ready-to-paste fix
    assert "rating 6 is not on the scale" in message
    assert "are the same film, Toy Story (1995)" in message
    assert "profile.search" in message  # nothing close: say how to look


@pytest.mark.parametrize("bad", [{}, [("Toy Story", 5)], None])
def test_resolve_explains_the_expected_shape(bad):
    with pytest.raises(profile.ProfileError, match="dict of"):
        profile.resolve(CATALOGUE, bad)


@pytest.mark.parametrize("rating", [0, 0.25, 5.5, "five", None])
def test_ratings_must_be_half_stars(rating):
    with pytest.raises(profile.ProfileError, match="not on the scale"):
        profile.resolve(CATALOGUE, {"Toy Story": rating})


def test_as_ratings_has_the_ratings_schema():
    rows = profile.as_ratings(profile.resolve(CATALOGUE, {"Toy Story": 5, "WALL-E": 4}), user_id=611)
    assert list(rows.columns) == data.RATING_COLUMNS
    assert rows.dtypes.astype(str).to_dict() == data.RATING_DTYPES
    assert rows["userId"].tolist() == [611, 611]
    assert rows["timestamp"].nunique() == 1


def test_the_persona_resolves_on_ml_latest_small():
    if not data.installed("ml-latest-small") and data.mirror_dir() is None:
        pytest.skip("ml-latest-small is not installed")
    movies = data.load_movies("ml-latest-small")
    resolved = profile.resolve(movies, profile.PERSONA)
    assert len(resolved) == len(profile.PERSONA) >= 12
    horror = movies.set_index("movieId").loc[resolved["movieId"], "genres"].str.contains("Horror").to_numpy()
    assert (resolved["rating"][horror] <= 1.5).all() and (resolved["rating"][~horror] >= 4).all()


def test_titles_that_start_with_the_query_come_before_spelling_neighbours():
    # "Star Wars" is not a title in MovieLens; the film people mean is Episode IV. Before this,
    # a spelling neighbour (Star Maps) and spin-offs filled the five suggestions and pushed it out.
    catalogue = pd.DataFrame(
        {
            "movieId": [1, 2, 3, 4, 5, 6, 7],
            "title": [
                "Star Maps (1997)",
                "Solo: A Star Wars Story (2018)",
                "Rogue One: A Star Wars Story (2016)",
                "Star Wars: The Last Jedi (2017)",
                "Star Wars: The Clone Wars (2008)",
                "Star Wars: Episode IV - A New Hope (1977)",
                "Star Warsaw Nights (2000)",
            ],
            "genres": ["Sci-Fi"] * 7,
        }
    )
    assert profile.search(catalogue, "star wars")["movieId"].tolist()[:3] == [4, 5, 6]
    near = profile.suggestions(catalogue, "Star Wars", limit=3)
    assert "Star Wars: Episode IV - A New Hope (1977)" in near
    assert "Star Maps (1997)" not in near and "Star Warsaw Nights (2000)" not in near
    with pytest.raises(profile.ProfileError, match="Episode IV"):
        profile.resolve(catalogue, {"Star Wars": 5})


def test_star_wars_suggests_episode_iv_on_ml_latest_small():
    movies = data.load_movies("ml-latest-small")
    with pytest.raises(profile.ProfileError, match=r"Star Wars: Episode IV - A New Hope \(1977\)"):
        profile.resolve(movies, {"Star Wars": 5})
