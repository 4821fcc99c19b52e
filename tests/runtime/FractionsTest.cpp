// Fractions of hosts or traffic as piperun prints them (docs/runtime.md
// "Numbers in JSON output").
#include "runtime/text/Fractions.h"
#include "runtime/text/JsonText.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using pipelang::runtime::jsonText;
using pipelang::runtime::printedDetail;
using pipelang::runtime::printedFraction;
namespace json = llvm::json;

namespace {

TEST(PrintedFraction, ASumOfHostWeightsThatIsAllHostsIsOne) {
  // Ten regions of a tenth of the traffic, one host each, summed host by host.
  double sum = 0;
  for (int i = 0; i < 10; ++i) sum += 0.1;
  ASSERT_NE(sum, 1.0);  // the noise this is about
  EXPECT_EQ(printedFraction(sum), 1.0);
  EXPECT_EQ(jsonText(json::Value(printedFraction(sum))), "1");
  EXPECT_EQ(printedFraction(0.9999999999999872), 1.0);
  EXPECT_EQ(printedFraction(0.1 + 0.2), 0.3);
  EXPECT_EQ(printedFraction(0.0), 0.0);
  EXPECT_EQ(printedFraction(0.05), 0.05);
  EXPECT_EQ(printedFraction(1.0 / 3), 0.333333333333);
  EXPECT_EQ(printedFraction(1e-5 / 7), 1.42857142857e-06);
  EXPECT_TRUE(std::isnan(printedFraction(std::numeric_limits<double>::quiet_NaN())));
  EXPECT_EQ(jsonText(printedDetail("global_exposure", 0.9999999999999872)), "1");
  EXPECT_EQ(jsonText(printedDetail("hosts", 0.9999999999999872)), "0.9999999999999872");
  EXPECT_EQ(jsonText(printedDetail("global_exposure", "text")), R"("text")");
}

}  // namespace
