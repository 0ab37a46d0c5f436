// report.html as a change review reads it, checked in Debian's headless Chromium:
// self-contained (no network reference); at 1400 px wide the summary numbers and the
// first scenario's overlaid CDFs are in the screenshot without interaction, nothing is
// wider than the page, no script error; printed to PDF (Chromium --print-to-pdf), its
// first page carries the summary's numbers (read back with poppler's pdftotext). The
// page's own check writes its counts and positions into <body> attributes.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "reports/format.h"
#include "tests/harness/process.h"

namespace failsim {
namespace {

std::string attribute(const std::string& dom, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(dom, m, std::regex(name + "=\"([^\"]*)\""))) return "<absent>";
  return m[1];
}

// Width and height from a PNG's IHDR chunk.
std::pair<int, int> png_size(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string head(24, '\0');
  in.read(head.data(), 24);
  auto be32 = [&](std::size_t at) {
    return (static_cast<unsigned char>(head[at]) << 24) | (static_cast<unsigned char>(head[at + 1]) << 16) |
           (static_cast<unsigned char>(head[at + 2]) << 8) | static_cast<unsigned char>(head[at + 3]);
  };
  if (head.substr(1, 3) != "PNG") return {0, 0};
  return {be32(16), be32(20)};
}

TEST(HtmlReport, ReadableInHeadlessChromiumAndInPrint) {
  const auto dir = std::filesystem::temp_directory_path() / ("failsim-html-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string src = FAILSIM_SOURCE_DIR;
  const auto run = testing::run_command("'" FAILSIM_BINARY "' run '" + src + "/scenarios/serotonin-exporter-partition.json' '" +
                                        src + "/scenarios/failover.json' --policy '" + src +
                                        "/scenarios/policies/paws360-as-built.json' --policy '" + src +
                                        "/scenarios/policies/health-gated-failover.json' --seeds 20 --out '" +
                                        dir.string() + "' 2>&1");
  ASSERT_EQ(run.exit_code, 0) << run.out;
  const std::string html = testing::read_file((dir / "report.html").string());
  ASSERT_FALSE(html.empty());
  // Self-contained: no URL, no external script, style sheet or image.
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  // Details are in the page, not in hover-only tooltips.
  EXPECT_EQ(html.find("<title>"), html.find("<title>failsim report</title>")) << "a tooltip-only detail";
  EXPECT_NE(html.find("<table class=\"events\">"), std::string::npos);

  const std::string chromium =
      "timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync --hide-scrollbars "
      "--enable-logging=stderr --v=0 --window-size=1400,2400 --user-data-dir='" +
      (dir / "profile").string() + "' ";
  const std::string url = "'file://" + (dir / "report.html").string() + "'";
  const auto dom = testing::run_command(chromium + "--dump-dom " + url + " 2>'" + (dir / "console.log").string() + "'");
  ASSERT_EQ(dom.exit_code, 0) << "chromium failed (scripts/install-deps.sh installs it)";
  EXPECT_EQ(attribute(dom.out, "data-errors"), "0") << "script errors in the page";
  const std::string console = testing::read_file((dir / "console.log").string());
  EXPECT_EQ(console.find("Uncaught"), std::string::npos) << console;
  EXPECT_EQ(console.find(":CONSOLE("), std::string::npos) << console;
  EXPECT_EQ(attribute(dom.out, "data-overflow"), "0") << "wider than 1400 px: " << attribute(dom.out, "data-overflow-first");
  // Two scenarios: each has two overlaid CDFs (detection, deploy) with both policies on
  // the same axes, and one timeline per policy.
  EXPECT_EQ(attribute(dom.out, "data-cdfs"), "4");
  EXPECT_EQ(attribute(dom.out, "data-timelines"), "4");
  const int summary_bottom = std::stoi(attribute(dom.out, "data-summary-bottom"));
  const int cdf_bottom = std::stoi(attribute(dom.out, "data-first-cdf-bottom"));
  EXPECT_GT(summary_bottom, 0);
  EXPECT_GT(cdf_bottom, summary_bottom);
  EXPECT_LE(cdf_bottom, 2400) << "the first overlay is below the 1400x2400 screenshot";
  EXPECT_NE(dom.out.find("stroke=\"#d62728\""), std::string::npos) << "the second policy's curve, overlaid";

  const auto png = dir / "shot.png";
  const auto shot = testing::run_command(chromium + "--screenshot='" + png.string() + "' " + url + " 2>/dev/null");
  ASSERT_EQ(shot.exit_code, 0);
  EXPECT_EQ(png_size(png.string()), std::make_pair(1400, 2400));

  const auto pdf = dir / "report.pdf";
  const auto print = testing::run_command(chromium + "--no-pdf-header-footer --print-to-pdf='" + pdf.string() + "' " + url +
                                          " 2>/dev/null");
  ASSERT_EQ(print.exit_code, 0);
  const auto first_page = testing::run_command("pdftotext -layout -f 1 -l 1 '" + pdf.string() + "' - 2>&1");
  ASSERT_EQ(first_page.exit_code, 0) << first_page.out;
  // The numbers of every row, as results.json has them, on page 1.
  const auto results = nlohmann::json::parse(testing::read_file((dir / "results.json").string()));
  ASSERT_EQ(results["scenarios"].size(), 4u);
  for (const auto& row : results["scenarios"]) {
    const std::string rate = reports::format_percent(row["aggregate"]["success_rate"].get<double>());
    EXPECT_NE(first_page.out.find(rate), std::string::npos) << rate << " not on page 1:\n" << first_page.out;
    if (row["aggregate"]["detection_seconds"]["count"].get<int>() > 0) {
      const std::string p50 = reports::format_seconds(row["aggregate"]["detection_seconds"]["p50"].get<double>());
      EXPECT_NE(first_page.out.find(p50), std::string::npos) << p50 << " not on page 1";
    }
  }
  EXPECT_NE(first_page.out.find("SC-001"), std::string::npos);
  EXPECT_NE(first_page.out.find("Summary"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace failsim
