"""The playground's pages for the keyboard, screen readers, touch and forced colours (session 58): focus
kept where the user is, results announced without flooding, visible focus, 24 px targets, a page
without JavaScript, landmarks and names, drawings readable in Windows' contrast themes."""

import io
import re

import pytest

import test_playground
from test_playground import _browser_page

server, client = test_playground.server, test_playground.client  # its fixtures: a live server, a TestClient

READY = "document.getElementById('test_loss').textContent !== '–'"
EPOCH = "Number(document.getElementById('epoch').textContent)"


def test_backprop_keeps_the_keyboard_focus_on_apply_the_update(server):
    # The button was disabled while its request was on its way: the focused button lost the focus
    # (to <body>), so the second Enter did nothing and the step stayed at 2.
    errors = []
    with _browser_page(errors) as page:
        page.goto(server + "backprop")
        page.wait_for_function("document.getElementById('loss').textContent === '0.274811083'")
        page.evaluate("window.blurs = 0; document.getElementById('next').addEventListener('blur', () => blurs++)")
        page.focus("#next")
        for step in (2, 3, 4):
            page.keyboard.press("Enter")
            page.wait_for_function(f"document.getElementById('stepno').textContent === '{step}'", timeout=5000)
            assert page.evaluate("document.activeElement.id") == "next"
        assert page.evaluate("blurs") == 0
        # still one step per press while its answer is on its way (the double-click guard)
        page.evaluate("""() => { const send = window.fetch;
            window.fetch = (...args) => new Promise((r) => setTimeout(r, 300)).then(() => send(...args)); }""")
        page.keyboard.press("Enter")
        page.keyboard.press("Enter")
        page.wait_for_function("document.getElementById('stepno').textContent === '5'")
        page.wait_for_timeout(700)
        assert page.text_content("#stepno") == "5" and page.evaluate("document.activeElement.id") == "next"
    assert errors == []


def test_play_leaves_the_focused_square_and_the_weights_table_in_place(server):
    # Every epoch of Play emptied the diagram and built it again, focusing the new copy of the focused
    # feature button (68 focus events in 3 s: a screen reader said "feature x1, pressed" on and on),
    # and replaced the open weights table, so it could not be read while training.
    errors = []
    with _browser_page(errors) as page:
        page.goto(server)
        page.wait_for_function(READY)
        page.evaluate("document.getElementById('weights-box').open = true")
        page.wait_for_function("document.querySelectorAll('#weights-table table').length === 3")
        page.focus("button.feature[data-feature='x1']")
        page.evaluate("""() => {
            window.seen = { focus: 0, removed: 0, square: document.activeElement,
                            table: document.querySelector('#weights-table table') };
            document.addEventListener('focusin', () => seen.focus++);
            new MutationObserver((records) => { for (const r of records)
                seen.removed += [...r.removedNodes].filter((n) => n.nodeType === 1).length; })
                .observe(document.getElementById('network-panel'), { childList: true, subtree: true });
            document.getElementById('play').click();  // by script: the keyboard's focus stays on x1
        }""")
        page.wait_for_function(f"{EPOCH} >= 10", timeout=60000)
        page.evaluate("document.getElementById('play').click()")
        page.wait_for_function("!busy && !playing")
        assert page.evaluate("document.activeElement === seen.square && seen.square.isConnected")
        assert page.evaluate("[seen.focus, seen.removed]") == [0, 0]
        assert page.evaluate("seen.table === document.querySelector('#weights-table table')")
        # filled in place: the cells are this epoch's weights, the lines' widths too
        cells = page.evaluate("[...document.querySelectorAll('#weights-table td')].map((td) => Number(td.textContent))")
        weights = page.evaluate("state.weights.map((W, l) => [...W, state.biases[l]]).flat(2)")
        assert cells == pytest.approx(weights, abs=5e-5)
        titles = page.evaluate("[...document.querySelectorAll('#network line title')].map((t) => t.textContent)")
        assert titles == [f"w = {w}" for w in page.evaluate("state.weights.flat(2)")]
        assert page.locator("#network svg").count() == 1
        # a new architecture is built anew, the focus kept on the button pressed
        page.focus("button[aria-label='add a neuron to layer 1']")
        page.keyboard.press("Enter")
        page.wait_for_function("document.querySelectorAll('.node.neuron').length === 7")
        assert page.evaluate("document.activeElement.dataset.key") == "+0"
        assert page.locator("#network line").count() == 2 * 5 + 5 * 2 + 2
        assert page.locator("#weights-table td").count() == (2 * 5 + 5) + (5 * 2 + 2) + (2 + 1)
    assert errors == []


def test_step_and_pause_are_announced_but_not_every_epoch_of_play(server):
    # No readout (epoch, losses, the perceptron's step, backprop's J) was in a live region: a screen
    # reader user pressed Step and heard nothing. Play must not read out 20 epochs a second either.
    errors = []
    live = "document.getElementById('announce')"
    with _browser_page(errors) as page:
        page.goto(server)
        page.wait_for_function(READY)
        assert page.evaluate(f"[{live}.getAttribute('aria-live'), {live}.getAttribute('aria-atomic')]") == ["polite", "true"]
        page.click("#step")
        page.wait_for_function(f"{EPOCH} === 1")
        said = page.text_content("#announce")
        assert said == (f"Epoch 1: test loss {page.text_content('#test_loss')}, "
                        f"training loss {page.text_content('#train_loss')}")
        page.evaluate(f"""() => {{ window.changes = 0; new MutationObserver(() => changes++)
            .observe({live}, {{ childList: true, subtree: true, characterData: true }}); }}""")
        page.click("#play")
        page.wait_for_function(f"{EPOCH} >= 8", timeout=60000)
        assert page.evaluate("changes") == 0 and page.text_content("#announce") == said
        page.click("#play")  # Pause: where it stopped is said once
        page.wait_for_function("!busy && !playing")
        page.wait_for_function(f"{live}.textContent.startsWith('Epoch ' + {EPOCH} + ':')")
        assert page.evaluate("changes") <= 2  # the pause's answer (and the step it waited for)

        page.goto(server + "perceptron")
        page.wait_for_function("document.getElementById('nsteps').textContent === '200'")
        page.click("#step")
        page.wait_for_function(f"{live}.textContent.startsWith('Step 1 of 200')")
        assert page.text_content("#update") in page.text_content("#announce")

        page.goto(server + "backprop")
        page.wait_for_function("document.getElementById('loss').textContent === '0.274811083'")
        page.click("#next")
        page.wait_for_function(f"{live}.textContent.startsWith('Step 2: J = ')")
        assert page.text_content("#loss") in page.text_content("#announce")

        page.goto(server + "som")
        page.wait_for_function("document.getElementById('te').textContent !== ''")
        page.click("#play")
        page.wait_for_function(f"{live}.textContent.startsWith('Epoch 20')", timeout=30000)
    assert errors == []


def test_a_field_marked_invalid_still_shows_the_keyboard_focus(server):
    # The red "invalid" outline replaced the focus ring: focused and unfocused looked the same.
    errors = []
    ring = "(() => { const s = getComputedStyle(document.getElementById('x0')); return [s.outlineColor, s.boxShadow]; })()"
    with _browser_page(errors) as page:
        page.goto(server + "descent")
        page.wait_for_function("document.getElementById('verdict').textContent.startsWith('converges')")
        page.fill("#x0", "")
        page.press("#x0", "Tab")
        page.wait_for_function("document.getElementById('x0').getAttribute('aria-invalid') === 'true'")
        away = page.evaluate(ring)
        page.keyboard.press("Shift+Tab")
        assert page.evaluate("document.activeElement.id") == "x0"
        near = page.evaluate(ring)
        assert away == ["rgb(187, 0, 0)", "none"] and near[0] == away[0]  # still marked red
        assert near[1].startswith("rgb(24, 61, 93) 0px 0px 0px 5px"), near  # and ringed in the header's blue
    assert [e for e in errors if "400" not in e] == []


def test_touch_targets_are_at_least_24_px(server):
    # The +/− neuron buttons were 17 × 15 px; backprop's two buttons 21 px high, stacked (WCAG 2.5.8).
    errors = []
    with _browser_page(errors) as page:
        page.goto(server)
        page.wait_for_function(READY)
        boxes = [b.bounding_box() for b in page.locator(".column .buttons button").all()]
        assert len(boxes) == 4 and all(b["width"] >= 24 and b["height"] >= 24 for b in boxes), boxes
        page.set_viewport_size({"width": 375, "height": 667})
        page.goto(server + "backprop")
        page.wait_for_function("document.getElementById('loss').textContent !== ''")
        for button in ("#next", "#restart"):
            assert page.locator(button).bounding_box()["height"] >= 24, button
    assert errors == []


@pytest.mark.parametrize("path", ["/", "/descent", "/backprop", "/perceptron", "/hopfield", "/som"])
def test_every_page_says_it_needs_javascript_and_marks_the_current_page(client, path):
    html = client.get(path).text
    notice = re.search(r"<noscript>(.*?)</noscript>", html, re.S)
    assert notice and "JavaScript" in notice.group(1)
    assert re.findall(r'<a href="([^"]*)"[^>]*aria-current="page"', html) == [path]
    assert 'id="announce"' in html
    # the buttons' glyphs are not read out ("black right-pointing triangle Play")
    for glyph in "▶↺":
        for k in [m.start() for m in re.finditer(glyph, html)]:
            assert html[:k].endswith('<span aria-hidden="true">'), (glyph, html[k - 40:k + 10])


def test_controls_are_in_a_landmark_and_the_buttons_and_weights_have_names(server):
    errors = []
    with _browser_page(errors) as page:
        page.goto(server)
        page.wait_for_function(READY)
        assert page.get_by_role("region", name="Training controls").count() == 1
        assert page.evaluate("document.getElementById('play').closest('[aria-label]')?.id") == "toolbar"
        assert page.get_by_role("button", name="Play", exact=True).count() == 1
        assert page.get_by_role("button", name="Reset", exact=True).count() == 1
        page.click("#play")
        assert page.get_by_role("button", name="Pause", exact=True).count() == 1
        assert page.text_content("#play") == "❚❚ Pause"
        page.click("#play")
        assert "table" in page.get_by_role("img", name=re.compile("^the weights")).get_attribute("aria-label")
        page.goto(server + "perceptron")
        assert page.get_by_role("button", name="Play", exact=True).count() == 1
        # the results that scroll sideways on a phone can be scrolled from the keyboard in every browser
        for path, name in [("descent", "Path"), ("backprop", "The network")]:
            page.goto(server + path)
            assert page.get_by_role("region", name=re.compile(f"^{name}")).get_attribute("tabindex") == "0"
    assert errors == []


def test_the_perceptrons_classes_differ_in_shape_not_only_in_colour(server):
    # +1 and −1 were blue and orange dots of one size (1.9:1 apart in luminance): −1 is a square now.
    from glassnet.playground.demos import perceptron

    r = perceptron({"dataset": "and"})  # (±1, ±1), +1 only at (1, 1); drawn on a span of 1.5
    # the pixel (a quarter unit at 4×) 4 units right of and below a −1 point's centre: inside a square of
    # half-side 5 (its edge, 1 unit wide, is white), outside a dot of radius 5 and on or beyond its edge;
    # not step 1's own point, drawn larger
    spots = [[((a + 1.5) / 3) * 400 + 4, ((1.5 - b) / 3) * 400 + 4]
             for i, (a, b, t) in enumerate(r["points"]) if t < 0 and i != r["samples"][1]]
    errors = []
    with _browser_page(errors, scale=4) as page:
        page.goto(server + "perceptron")
        page.select_option("#dataset", "and")
        page.wait_for_function("document.getElementById('nsteps').textContent === '40'")
        page.click("#step")
        corners = page.evaluate(f"""() => {{
            const c = document.getElementById('plane'), ctx = c.getContext('2d'), u = c.width / 400;
            return {spots}.map(([x, y]) => [...ctx.getImageData(Math.floor(x * u), Math.floor(y * u), 1, 1)
                .data.slice(0, 3)]); }}""")
        assert corners == [[245, 147, 34]] * 2  # orange fill: a square's corner
    assert errors == []


def test_drawings_stay_readable_with_forced_colours(server):
    # Windows' dark contrast themes turned the canvases' backgrounds black while they still drew in
    # black: the loss chart's test line and backprop's numbers vanished.
    pytest.importorskip("PIL", reason="Pillow reads the screenshots")
    from PIL import Image, ImageStat

    errors = []
    with _browser_page(errors) as page:
        page.emulate_media(color_scheme="dark", forced_colors="active")
        page.goto(server)
        page.wait_for_function(READY)
        for epoch in (1, 2, 3):
            page.click("#step")
            page.wait_for_function(f"{EPOCH} === {epoch}")
        shots = [page.locator("#loss-chart").screenshot()]
        keys = page.evaluate("[...document.querySelectorAll('.stat .key')].map((k) => getComputedStyle(k).borderTopColor)")
        page.goto(server + "backprop")
        page.wait_for_function("document.getElementById('loss').textContent !== ''")
        shots.append(page.locator("#diagram").screenshot())
        for shot in shots:  # the dark drawing on a light background
            grey = Image.open(io.BytesIO(shot)).convert("L")
            assert ImageStat.Stat(grey).mean[0] > 160 and grey.getextrema()[0] < 60
        assert keys == ["rgb(0, 0, 0)", "rgb(153, 153, 153)"]  # the key keeps the lines' colours
    assert errors == []
