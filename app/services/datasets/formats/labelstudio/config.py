"""The Label Studio labeling config (XML) that the exported tasks match."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import quoteattr

from app.services.datasets.core import ExportContext
from app.services.datasets.formats.labelstudio.common import TEXT, as_rating, form_key


def _scale_choices(field: dict[str, Any]) -> list[str]:
    low, high = field.get("scale") or [1, 7]
    values = [str(v) for v in range(low, high + 1)]
    return values + ([str(field["allow_value"])] if field.get("allow_value") else [])


def _choices(name: str, values: list[str], indent: str = "  ") -> list[str]:
    lines = [f'{indent}<Choices name={quoteattr(name)} toName="{TEXT}" choice="single-radio" '
             'showInline="true">']
    lines += [f"{indent}  <Choice value={quoteattr(v)}/>" for v in values]
    return lines + [f"{indent}</Choices>"]


def labeling_config(ctx: ExportContext) -> str:
    """The Label Studio labeling config (XML) that `write`'s export matches."""
    lines = ["<View>", "  <Style>.htx-text { white-space: pre-wrap; }</Style>"]
    if ctx.project_title:
        lines.append(f"  <Header value={quoteattr(ctx.project_title)}/>")
    for layer in ctx.layers:
        labels = [meta for (key_layer, _), meta in ctx.labels.items() if key_layer == layer]
        if not labels:
            continue
        lines.append(f"  <Header value={quoteattr(ctx.layer_names.get(layer, layer))}/>")
        lines.append(f'  <Labels name={quoteattr(layer)} toName="{TEXT}">')
        for meta in labels:
            hint = f"{meta.name}: {meta.definition}" if meta.definition else meta.name
            lines.append(f"    <Label value={quoteattr(meta.key)} hint={quoteattr(hint)}/>")
        lines.append("  </Labels>")
    lines.append(f'  <Text name="{TEXT}" value="${TEXT}"/>')
    fields = ctx.form.get("fields") or []
    if fields:
        lines.append(f"  <Header value={quoteattr(str(ctx.form.get('name') or 'Rating'))}/>")
    form = form_key(ctx)
    for field in fields:
        name, kind = f"{form}.{field['key']}", field.get("type")
        lines.append(f"  <Header value={quoteattr(str(field.get('name') or field['key']))}/>")
        if as_rating(field):
            lines.append(f'  <Rating name={quoteattr(name)} toName="{TEXT}" '
                         f'maxRating="{(field.get("scale") or [1, 7])[1]}"/>')
        elif kind == "ordinal":
            lines += _choices(name, _scale_choices(field))
        elif kind == "nominal":
            lines += _choices(name, [str(v) for v in field.get("values", [])])
        elif kind == "checklist":
            values = [str(v) for v in field.get("values", ["yes", "no", "na"])]
            for item in field.get("items", []):
                lines.append(f"  <Header value={quoteattr(str(item.get('text') or item['key']))}"
                             ' size="6"/>')
                lines += _choices(f"{name}.{item['key']}", values)
        else:
            lines.append(f'  <TextArea name={quoteattr(name)} toName="{TEXT}" '
                         'maxSubmissions="1" editable="true"/>')
    lines.append("</View>")
    return "\n".join(lines) + "\n"
