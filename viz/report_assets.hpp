// SPDX-License-Identifier: Apache-2.0
// File: viz/report_assets.hpp (layer: viz)
// The HTML report's inline style sheet and script. The script only displays: every step and
// every state row is computed in C++ (viz/stepper.hpp) and embedded as JSON; it applies the
// rows a step changed (forward: `after`, back: `before`) and writes text with textContent,
// never innerHTML, so no data can become markup.
#pragma once

namespace mqcheck::viz {

/// Returns the report's CSS (without <style> tags).
char const* report_css();
/// Returns the report's JavaScript (without <script> tags). It reads the JSON elements
/// #mq-steps and #mq-nodes.
char const* report_js();

}  // namespace mqcheck::viz
