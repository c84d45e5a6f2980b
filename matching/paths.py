"""Warm paths: who can introduce an initiative to a contact it cannot reach directly."""

from collections.abc import Callable, Mapping

MAX_HOPS = 2


def introduce_via(
    neighbours: Mapping[str, tuple[str, ...]],
    target: str,
    is_source: Callable[[str], bool],
    *,
    max_hops: int = MAX_HOPS,
) -> tuple[str, ...] | None:
    """The shortest chain of ``knows`` links, at most ``max_hops`` long, from someone for
    whom ``is_source`` holds to ``target``: the people before the target, source first.
    ``()`` when the target is a source itself, ``None`` when no chain that short exists.

    Breadth-first outward from the target (it has few acquaintances; the sources may be
    everyone who is reachable), in the neighbours' given order, so ties always break the
    same way.
    """
    if is_source(target):
        return ()
    towards_target: dict[str, str | None] = {target: None}
    frontier = [target]
    for _hop in range(max_hops):
        next_frontier: list[str] = []
        for key in frontier:
            for other in neighbours.get(key, ()):
                if other in towards_target:
                    continue
                towards_target[other] = key
                if is_source(other):
                    return _chain(towards_target, other)
                next_frontier.append(other)
        frontier = next_frontier
    return None


def _chain(towards_target: Mapping[str, str | None], source: str) -> tuple[str, ...]:
    """From the source along the links back towards the target, the target left out."""
    chain = [source]
    while (following := towards_target[chain[-1]]) is not None:
        chain.append(following)
    return tuple(chain[:-1])
