"""The JSON header of an aino archive (a .dit model, an aino.save file): the member that says what the file
is, read before anything else in it and checked within limits."""

from aino.files.json_text import read_json


def read_header(archive, member, format, version, kind, article, max_bytes, missing_hint=""):
    """The JSON header in `member` of an open Archive, or a ValueError naming the file: it must be there (else
    the error says the file is not `article` `kind` file, then `missing_hint`), at most `max_bytes` long, a JSON
    object, and say {"format": format, "version": version}. kind, article: ".dit", "a" or "aino.save", "an"."""
    path = archive.path
    if member not in archive.names:
        raise ValueError(f"{path} is not {article} {kind} file: it has no {member}{missing_hint}")
    if archive.size(member) > max_bytes:
        raise ValueError(f"{path}: {member} is {archive.size(member)} bytes, more than a header ever needs")
    header = read_json(archive.read(member), f"{path}: {member}")
    if not isinstance(header, dict) or header.get("format") != format:
        raise ValueError(f"{path} is not {article} {kind} file: its header does not say format {format!r}")
    if header.get("version") != version:
        raise ValueError(f"{path} is {kind} version {header.get('version')!r}; this aino reads version {version}")
    return header
