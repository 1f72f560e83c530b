"""Everything that knows Discord's limits and markup: escaping, splitting, embeds, replay text.

Commands never build message text from archive records themselves; they call these builders, so
that every limit and every escaping rule lives in one place. The package is split by concern:

* :mod:`~bot.render.limits`: Discord's limits, splitting long text, shortening labels;
* :mod:`~bot.render.markdown`: escaping archive text, bolding search matches;
* :mod:`~bot.render.text`: the small wording helpers (plurals, dates, quoted input, id lists);
* :mod:`~bot.render.embeds`: the reading commands' embeds;
* :mod:`~bot.render.search`: a page of search results and its paging;
* :mod:`~bot.render.replay`: a /thread replay's thread name and messages;
* :mod:`~bot.render.archives`: naming the loaded archives (choices, /archive list, pointers).

The names other modules use are re-exported here, so callers write ``render.split_text``.
"""

from bot.render.archives import (
    archive_choice,
    archive_chosen,
    archive_list_embed,
    archive_title,
    author_choice,
    comment_ref,
    counts_line,
    discussion_choice,
    discussion_prefix,
    missing_discussion,
    missing_export_id,
    not_a_ref,
    not_recorded,
    unknown_archive,
    which_discussion,
)
from bot.render.embeds import (
    CONTEXT_LABEL,
    ID_SCHEME,
    PLACEHOLDER_TEXT,
    about_embed,
    comment_choice,
    comment_embeds,
    discussion_embeds,
    members_embeds,
    resolution_embeds,
)
from bot.render.limits import (
    CHOICE_NAME,
    CHOICES,
    EMBED_AUTHOR,
    EMBED_DESCRIPTION,
    EMBED_FIELDS,
    EMBED_FOOTER,
    EMBED_TITLE,
    EMBED_TOTAL,
    EMBEDS_PER_MESSAGE,
    FIELD_NAME,
    FIELD_VALUE,
    MESSAGE,
    OPTION_DESCRIPTION,
    THREAD_NAME,
    embed_batches,
    plain_label,
    split_text,
    truncate_label,
)
from bot.render.markdown import bold_spans, escape_archive_text, neutralise_mentions
from bot.render.replay import (
    comment_message_parts,
    discussion_opening,
    discussion_thread_name,
    replay_header,
    replies_under,
    thread_name,
)
from bot.render.search import (
    MAX_QUERY,
    TOO_BROAD,
    Paging,
    author_filter_of,
    hit_ref,
    normalise_query,
    query_of,
    search_embed,
)
from bot.render.text import (
    clean_input,
    compact_ids,
    first_line,
    label,
    long_date,
    missing_comment,
    plural,
    quoted_input,
)

__all__ = [
    "CHOICES",
    "CHOICE_NAME",
    "CONTEXT_LABEL",
    "EMBEDS_PER_MESSAGE",
    "EMBED_AUTHOR",
    "EMBED_DESCRIPTION",
    "EMBED_FIELDS",
    "EMBED_FOOTER",
    "EMBED_TITLE",
    "EMBED_TOTAL",
    "FIELD_NAME",
    "FIELD_VALUE",
    "ID_SCHEME",
    "MAX_QUERY",
    "MESSAGE",
    "OPTION_DESCRIPTION",
    "PLACEHOLDER_TEXT",
    "THREAD_NAME",
    "TOO_BROAD",
    "Paging",
    "about_embed",
    "archive_choice",
    "author_filter_of",
    "hit_ref",
    "archive_chosen",
    "archive_list_embed",
    "archive_title",
    "author_choice",
    "comment_ref",
    "discussion_choice",
    "discussion_prefix",
    "missing_discussion",
    "missing_export_id",
    "not_a_ref",
    "which_discussion",
    "counts_line",
    "not_recorded",
    "unknown_archive",
    "bold_spans",
    "comment_choice",
    "comment_embeds",
    "discussion_embeds",
    "comment_message_parts",
    "discussion_opening",
    "discussion_thread_name",
    "compact_ids",
    "embed_batches",
    "escape_archive_text",
    "first_line",
    "label",
    "long_date",
    "members_embeds",
    "neutralise_mentions",
    "plain_label",
    "normalise_query",
    "plural",
    "query_of",
    "quoted_input",
    "clean_input",
    "missing_comment",
    "replay_header",
    "replies_under",
    "resolution_embeds",
    "search_embed",
    "split_text",
    "thread_name",
    "truncate_label",
]
